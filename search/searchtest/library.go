package searchtest

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/kotalama/kompeten/search/indonesian"
)

// LibraryCourse is one generated course of a benchmark library.
type LibraryCourse struct {
	Title, Summary string
	Lessons        []LibraryLesson
}

// LibraryLesson is one generated lesson.
type LibraryLesson struct{ Title, Body string }

// Library generates a course library for benchmarks, courses × lessons
// lessons of about words words each, and a mix of 400 queries: whole
// words, words with a letter dropped, prefixes (search as you type) and
// two words. The text draws from the relevance set's words (a quarter of
// all words, so the domain words are common) and from 20,000 generated
// Indonesian-like words (consonant-vowel syllables, some with affixes)
// taken with a Zipf law, as words are in real text: the dictionary has
// the size and shape typo and prefix matching walk, and a common word is
// in most lessons while most words are in few. The same seed gives the
// same library.
func Library(seed uint64, courses, lessons, words int) ([]LibraryCourse, []string) {
	r := rand.New(rand.NewPCG(seed, 1))
	real, vocab := libraryVocabulary(r)
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	perm := r.Perm(len(vocab))
	word := func() string {
		if r.IntN(4) == 0 {
			return real[r.IntN(len(real))]
		}
		return vocab[perm[zipf.Uint64()]]
	}
	sentence := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word()
		}
		return strings.Join(ws, " ")
	}
	lib := make([]LibraryCourse, courses)
	for c := range lib {
		lib[c] = LibraryCourse{Title: sentence(4), Summary: sentence(12), Lessons: make([]LibraryLesson, lessons)}
		for l := range lib[c].Lessons {
			lib[c].Lessons[l] = LibraryLesson{Title: sentence(4), Body: sentence(words)}
		}
	}
	var queries []string
	for i := 0; len(queries) < 400; i++ {
		w := real[r.IntN(len(real))]
		switch i % 4 {
		case 0:
			queries = append(queries, w)
		case 1:
			if len(w) >= 6 {
				k := 1 + r.IntN(len(w)-2)
				queries = append(queries, w[:k]+w[k+1:]) // one letter dropped
			}
		case 2:
			if len(w) >= 5 {
				queries = append(queries, w[:3+r.IntN(len(w)-4)])
			}
		case 3:
			queries = append(queries, w+" "+real[r.IntN(len(real))])
		}
	}
	return lib, queries
}

// libraryVocabulary returns the relevance set's words and those plus
// generated ones, 20,000 in all.
func libraryVocabulary(r *rand.Rand) (real, all []string) {
	seen := map[string]bool{}
	for _, d := range Relevance() {
		for _, w := range indonesian.Words(d.Title + " " + d.Summary + " " + d.LessonTitle + " " + d.Body) {
			if !seen[w] && len(w) > 2 {
				seen[w] = true
				real = append(real, w)
			}
		}
	}
	slices.Sort(real)
	cons := []string{"b", "c", "d", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "w", "y", "ng", "ny"}
	vows := []string{"a", "i", "u", "e", "o", "a", "a"}
	pre := []string{"", "", "", "me", "mem", "pe", "pen", "di", "ber", "ter", "ke"}
	suf := []string{"", "", "", "an", "kan", "i", "nya"}
	all = slices.Clone(real)
	for len(all) < 20_000 {
		var b strings.Builder
		b.WriteString(pre[r.IntN(len(pre))])
		for range 2 + r.IntN(2) {
			b.WriteString(cons[r.IntN(len(cons))])
			b.WriteString(vows[r.IntN(len(vows))])
		}
		if r.IntN(2) == 0 {
			b.WriteString(cons[r.IntN(12)])
		}
		b.WriteString(suf[r.IntN(len(suf))])
		if w := b.String(); !seen[w] {
			seen[w] = true
			all = append(all, w)
		}
	}
	return real, all
}
