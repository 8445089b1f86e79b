package ikm

import (
	"math"
	"testing"
)

// TestIndexAndGrade: the regulation's worked shape: element means × 25,
// graded at the published boundaries.
func TestIndexAndGrade(t *testing.T) {
	var s Sums
	s.Add([Elements]int{4, 4, 2, 4, 4, 2, 4, 4, 4})
	s.Add([Elements]int{3, 3, 3, 3, 3, 3, 3, 3, 3})
	m := s.Means()
	if m[2] != 2.5 || m[0] != 3.5 {
		t.Fatalf("means %v", m)
	}
	// (3.5×7 + 2.5×2)/9 × 25 = 81.94
	if got := s.Index(); math.Abs(got-81.94) > 1e-9 {
		t.Fatalf("index %v", got)
	}
	for _, c := range []struct {
		ikm   float64
		grade string
	}{{100, "A"}, {88.31, "A"}, {88.30, "B"}, {76.61, "B"}, {76.60, "C"}, {65.00, "C"}, {64.99, "D"}, {25, "D"}, {0, ""}} {
		if g, _ := Grade(c.ikm); g != c.grade {
			t.Errorf("grade(%v) = %q, want %q", c.ikm, g, c.grade)
		}
	}
	if w := s.Weakest(2); len(w) != 2 || w[0] != 2 || w[1] != 5 {
		t.Errorf("weakest %v, want U3 and U6", w)
	}
}

func TestMergeEqualsAdding(t *testing.T) {
	var a, b, all Sums
	for i := range 30 {
		r := [Elements]int{}
		for j := range Elements {
			r[j] = 1 + (i*7+j*3)%4
		}
		if i%3 == 0 {
			r[4] = 0 // not scored
		}
		all.Add(r)
		if i%2 == 0 {
			a.Add(r)
		} else {
			b.Add(r)
		}
	}
	a.Merge(b)
	if a != all {
		t.Fatalf("merged %+v\nwant %+v", a, all)
	}
}

func TestDistribution(t *testing.T) {
	var s Sums
	s.Add([Elements]int{1, 4, 4})
	s.Add([Elements]int{1, 3, 0})
	if d := s.Dist(0); d != [4]int{2, 0, 0, 0} {
		t.Errorf("u1 %v", d)
	}
	if d := s.Dist(1); d != [4]int{0, 0, 1, 1} {
		t.Errorf("u2 %v", d)
	}
	if d := s.Dist(2); d != [4]int{0, 0, 0, 1} {
		t.Errorf("u3 %v", d)
	}
}
