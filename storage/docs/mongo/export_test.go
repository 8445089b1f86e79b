package mongo

// SetBeforeDrop runs f between building a collection's declared indexes
// and dropping the ones they replace, until the returned func is called.
func SetBeforeDrop(f func(collection string)) (restore func()) {
	old := testHookBeforeDrop
	testHookBeforeDrop = f
	return func() { testHookBeforeDrop = old }
}
