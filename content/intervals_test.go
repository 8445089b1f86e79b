package content

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestIntervalsStoreFlat: watched intervals reach the store as one flat
// list of numbers (FerretDB refuses nested arrays, so every video beacon
// failed on the MongoDB backend), read back equal, and progress stored in
// the nested form before still reads.
func TestIntervalsStoreFlat(t *testing.T) {
	p := LessonProgress{Position: 12, Watched: Intervals{{0, 10.5}, {20, 31}}}
	raw, err := bson.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := bson.Raw(raw).Lookup("watched").Array().Values()
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 4 {
		t.Fatalf("stored %d values, want 4 numbers", len(vals))
	}
	for _, v := range vals {
		if v.Type != bson.TypeDouble {
			t.Fatalf("stored a %v inside watched, want only numbers", v.Type)
		}
	}
	var back LessonProgress
	if err := bson.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back.Watched, p.Watched) {
		t.Fatalf("read back %v (%v), want %v", back.Watched, err, p.Watched)
	}

	old, err := bson.Marshal(struct {
		Watched [][2]float64 `bson:"watched"`
	}{[][2]float64{{1, 2}, {3, 4}}})
	if err != nil {
		t.Fatal(err)
	}
	var fromOld LessonProgress
	if err := bson.Unmarshal(old, &fromOld); err != nil || !reflect.DeepEqual(fromOld.Watched, Intervals{{1, 2}, {3, 4}}) {
		t.Fatalf("nested form read as %v (%v)", fromOld.Watched, err)
	}

	bad, _ := bson.Marshal(bson.D{{Key: "watched", Value: bson.A{1.0, 2.0, 3.0}}})
	if err := bson.Unmarshal(bad, &LessonProgress{}); err == nil {
		t.Error("an odd number of values was read")
	}
	// The API keeps its pairs.
	if j, _ := json.Marshal(p); !strings.Contains(string(j), `"watched":[[0,10.5],[20,31]]`) {
		t.Errorf("JSON %s", j)
	}
}
