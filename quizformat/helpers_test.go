package quizformat

// parseGIFT and parseAiken parse without limits, failing on none.
func parseGIFT(src string) ([]Question, []ImportError) {
	qs, errs, _ := ParseGIFT(src, Limits{})
	return qs, errs
}

func parseAiken(src string) ([]Question, []ImportError) {
	qs, errs, _ := ParseAiken(src, Limits{})
	return qs, errs
}
