package fleet

import (
	"testing"

	"github.com/kotalama/kompeten/search"
	"github.com/kotalama/kompeten/search/meili"
)

// TestStandinFilter: the stand-in reads every filter shape meili.Filter
// writes, with the meaning Meilisearch gives it, so a fleet search that
// passes here is not passing on a misread filter.
func TestStandinFilter(t *testing.T) {
	f := meili.Filter(search.Query{Owner: "198501", Courses: []string{"c1", `c"2`}})
	match, err := compileFilter(f)
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	for _, tc := range []struct {
		doc  map[string]any
		want bool
	}{
		{map[string]any{search.FieldStatus: "published"}, true},
		{map[string]any{search.FieldStatus: "draft", search.FieldOwners: []any{"198501"}}, true},
		{map[string]any{search.FieldStatus: "draft", search.FieldOwners: []any{"other"}}, false},
		{map[string]any{search.FieldStatus: search.StatusThread, search.FieldCourseID: "c1"}, true},
		{map[string]any{search.FieldStatus: search.StatusThread, search.FieldCourseID: `c"2`}, true},
		{map[string]any{search.FieldStatus: search.StatusThread, search.FieldCourseID: "c3"}, false},
	} {
		if got := match(tc.doc); got != tc.want {
			t.Errorf("%s on %v: %v, want %v", f, tc.doc, got, tc.want)
		}
	}
	if _, err := compileFilter(`status IN ["a"`); err == nil {
		t.Error("an unclosed IN list was read")
	}
}
