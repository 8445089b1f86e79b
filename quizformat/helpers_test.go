package quizformat

import "fmt"

// parseGIFT and parseAiken parse without limits, failing on none.
func parseGIFT(src string) ([]Question, []ImportError) {
	qs, errs, _ := ParseGIFT(src, Limits{})
	return qs, errs
}

func parseAiken(src string) ([]Question, []ImportError) {
	qs, errs, _ := ParseAiken(src, Limits{})
	return qs, errs
}

// text is an error's code and args, for tests to match on.
func (e ImportError) text() string { return fmt.Sprint(e.Code, e.Args) }
