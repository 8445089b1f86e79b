// Package ikm computes the Indeks Kepuasan Masyarakat of PermenPAN-RB
// 14/2017 from the nine SKM elements: each element's mean of 1–4 scores,
// the IKM as the mean of the element means × 25, and its grade.
package ikm

import "math"

// Elements is the number of SKM elements, U1–U9.
const Elements = 9

// Codes are the elements' codes, in order.
var Codes = [Elements]string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"}

// Sums accumulates responses: a count and, per element, the sum of scores
// and how many responses scored it. Sums add, so aggregates per service
// and month roll up to units, quarters and years without raw responses.
type Sums struct {
	Responses int           `bson:"responses" json:"responses"`
	Sum       [Elements]int `bson:"sum" json:"-"`
	N         [Elements]int `bson:"n" json:"-"`
	// Scored counts, per element, how many scored 1, 2, 3 and 4: element
	// i's counts are at 4i..4i+3. Flat, as FerretDB stores no nested arrays.
	Scored [Elements * 4]int `bson:"scored" json:"-"`
}

// Dist is element i's distribution: how many scored 1, 2, 3 and 4.
func (s Sums) Dist(i int) [4]int {
	return [4]int(s.Scored[4*i : 4*i+4])
}

// Add counts one response; scores[i] is 1–4, or 0 where the element was
// not scored.
func (s *Sums) Add(scores [Elements]int) {
	s.Responses++
	for i, v := range scores {
		if v >= 1 && v <= 4 {
			s.Sum[i] += v
			s.N[i]++
			s.Scored[4*i+v-1]++
		}
	}
}

// Merge adds o into s.
func (s *Sums) Merge(o Sums) {
	s.Responses += o.Responses
	for i := range Elements {
		s.Sum[i] += o.Sum[i]
		s.N[i] += o.N[i]
		for j := range 4 {
			s.Scored[4*i+j] += o.Scored[4*i+j]
		}
	}
}

// Means are the element means (0 where no one scored the element).
func (s Sums) Means() [Elements]float64 {
	var m [Elements]float64
	for i := range Elements {
		if s.N[i] > 0 {
			m[i] = float64(s.Sum[i]) / float64(s.N[i])
		}
	}
	return m
}

// Index is the IKM: the mean of the element means × 25, over the elements
// anyone scored, rounded to two decimals; 0 with no responses.
func (s Sums) Index() float64 {
	n, total := 0, 0.0
	for i, m := range s.Means() {
		if s.N[i] > 0 {
			n++
			total += m
		}
	}
	if n == 0 {
		return 0
	}
	return math.Round(total/float64(n)*25*100) / 100
}

// Grade is the regulation's grade of an IKM and its label: A Sangat Baik,
// B Baik, C Kurang Baik, D Tidak Baik; "" below 25 (no responses).
func Grade(index float64) (grade, label string) {
	switch {
	case index >= 88.31:
		return "A", "Sangat Baik"
	case index >= 76.61:
		return "B", "Baik"
	case index >= 65.00:
		return "C", "Kurang Baik"
	case index >= 25.00:
		return "D", "Tidak Baik"
	}
	return "", ""
}

// ElementGrade grades one element's mean on the same scale (mean × 25).
func ElementGrade(mean float64) string {
	g, _ := Grade(math.Round(mean*25*100) / 100)
	return g
}

// Weakest returns the indexes of the k scored elements with the lowest
// means, lowest first (ties in element order).
func (s Sums) Weakest(k int) []int {
	means := s.Means()
	var idx []int
	for i := range Elements {
		if s.N[i] > 0 {
			idx = append(idx, i)
		}
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && means[idx[j]] < means[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx[:min(k, len(idx))]
}
