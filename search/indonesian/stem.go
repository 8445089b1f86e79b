package indonesian

// Stem reduces a folded Indonesian word to its stem with the rule-based
// algorithm of Tala (2003), "A Study of Stemming Effects on Information
// Retrieval in Bahasa Indonesia", as Lucene's IndonesianStemmer implements
// it. It needs no dictionary:
//
//  1. inflectional particle: -kah, -lah, -pun
//  2. possessive pronoun: -ku, -mu, -nya
//  3. first-order prefix: meng-, meny- (s), men-, mem-, me-, peng-,
//     peny- (s), pen- (t before a vowel), pem-, di-, ter-, ke-
//  4. if a first-order prefix was removed: suffix (-kan, -an, -i), then a
//     second-order prefix (ber-, be-, per-, pe-); otherwise the
//     second-order prefix first, then the suffix
//
// Every step needs the word to still have more than two syllables
// (vowels), so short words are never cut, and a suffix is kept when the
// prefix removed cannot combine with it (ke-...-kan, di-...-an, ber-...-i
// and the others Tala lists). Words whose last letters only look like a
// particle or a pronoun ("masalah", "perilaku") are kept whole; see
// roots.
//
// Two departures from the brief's list, both deliberate: -tah is not
// removed (it would cut "pemerintah" to "pemerin" but leave
// "pemerintahan" at "erintah", splitting the commonest word in this
// library), and neither is se- (Tala has no se- rule; it would turn
// "selesai" into "lesai" and "sekolah" into "kolah").
//
// Stem never returns an empty string for a non-empty word.
func Stem(word string) string {
	if len(word) < 4 { // no rule applies to words under four letters
		return word
	}
	s := stemmer{w: []byte(word)}
	for _, c := range s.w {
		if isVowel(c) {
			s.syl++
		}
	}
	if s.syl <= 2 {
		return word
	}
	if s.root() {
		return word
	}
	s.removeParticle()
	if s.syl > 2 && !s.root() {
		s.removePossessive()
	}
	if s.syl > 2 && !s.root() {
		s.derivational()
	}
	if len(s.w) == 0 {
		return word
	}
	return string(s.w)
}

// roots are words the rules would wrongly cut: they end like a particle
// or a possessive pronoun ("masalah", "perilaku"), or their final -i is
// part of the root ("pegawai", "nilai"). Stemming stops as soon as the
// word, or what is left of it, is one of them, so "kepegawaian" and
// "pegawai" meet. It is a short exception list, not a dictionary.
var roots = setOf(
	"masalah", "sekolah", "istilah", "sedekah", "sejumlah", "perilaku",
	"berlaku", "pelaku", "bertemu", "bertanya", "pegawai", "nilai",
	"selesai", "sampai", "damai", "ramai",
)

// root reports whether what is left is an exception root.
func (s *stemmer) root() bool {
	_, ok := roots[string(s.w)]
	return ok
}

// Flags record which prefix was removed, for the suffix restrictions.
const (
	removedMeng = 1 << iota
	removedPeng
	removedDi
	removedTer
	removedKe
	removedBer
	removedPe
)

type stemmer struct {
	w     []byte
	syl   int // vowels left
	flags int
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

func (s *stemmer) hasPrefix(p string) bool {
	return len(s.w) >= len(p) && string(s.w[:len(p)]) == p
}

func (s *stemmer) hasSuffix(p string) bool {
	return len(s.w) >= len(p) && string(s.w[len(s.w)-len(p):]) == p
}

// cut removes n bytes from the end, one syllable.
func (s *stemmer) cut(n int) {
	s.w = s.w[:len(s.w)-n]
	s.syl--
}

// drop removes n bytes from the front, one syllable, and sets flag.
func (s *stemmer) drop(n, flag int) {
	s.w = s.w[n:]
	s.syl--
	s.flags |= flag
}

func (s *stemmer) removeParticle() {
	if s.hasSuffix("kah") || s.hasSuffix("lah") || s.hasSuffix("pun") {
		s.cut(3)
	}
}

func (s *stemmer) removePossessive() {
	switch {
	case s.hasSuffix("ku"), s.hasSuffix("mu"):
		s.cut(2)
	case s.hasSuffix("nya"):
		s.cut(3)
	}
}

func (s *stemmer) derivational() {
	before := len(s.w)
	s.removeFirstOrderPrefix()
	if len(s.w) != before {
		before = len(s.w)
		if s.syl > 2 && !s.root() {
			s.removeSuffix()
		}
		if len(s.w) != before && s.syl > 2 && !s.root() {
			s.removeSecondOrderPrefix()
		}
		return
	}
	s.removeSecondOrderPrefix()
	if s.syl > 2 && !s.root() {
		s.removeSuffix()
	}
}

// vowelAt reports whether the byte at i is a vowel.
func (s *stemmer) vowelAt(i int) bool { return i < len(s.w) && isVowel(s.w[i]) }

func (s *stemmer) removeFirstOrderPrefix() {
	switch {
	case s.hasPrefix("meng"):
		s.drop(4, removedMeng)
	case s.hasPrefix("meny") && s.vowelAt(4):
		s.w[3] = 's' // menyapu -> sapu
		s.drop(3, removedMeng)
	case s.hasPrefix("men"), s.hasPrefix("mem"):
		s.drop(3, removedMeng)
	case s.hasPrefix("me"):
		s.drop(2, removedMeng)
	case s.hasPrefix("peng"):
		s.drop(4, removedPeng)
	case s.hasPrefix("peny") && s.vowelAt(4):
		s.w[3] = 's' // penyusun -> susun
		s.drop(3, removedPeng)
	case s.hasPrefix("peny"):
		s.drop(4, removedPeng)
	case s.hasPrefix("pen") && s.vowelAt(3):
		s.w[2] = 't' // penulis -> tulis
		s.drop(2, removedPeng)
	case s.hasPrefix("pen"), s.hasPrefix("pem"):
		s.drop(3, removedPeng)
	case s.hasPrefix("di"):
		s.drop(2, removedDi)
	case s.hasPrefix("ter"):
		s.drop(3, removedTer)
	case s.hasPrefix("ke"):
		s.drop(2, removedKe)
	}
}

func (s *stemmer) removeSecondOrderPrefix() {
	switch {
	case s.hasPrefix("ber"):
		s.drop(3, removedBer)
	case len(s.w) == 7 && s.hasPrefix("belajar"):
		s.drop(3, removedBer) // belajar -> ajar
	case s.hasPrefix("be") && len(s.w) > 4 && !isVowel(s.w[2]) && s.w[3] == 'e' && s.w[4] == 'r':
		s.drop(2, removedBer) // bekerja -> kerja
	case s.hasPrefix("per"):
		s.drop(3, 0)
	case len(s.w) == 7 && s.hasPrefix("pelajar"):
		s.drop(3, 0) // pelajar -> ajar
	case s.hasPrefix("pe"):
		s.drop(2, removedPe)
	}
}

func (s *stemmer) removeSuffix() {
	f := s.flags
	switch {
	case s.hasSuffix("kan") && f&(removedKe|removedPeng|removedPe) == 0:
		s.cut(3)
	case s.hasSuffix("an") && f&(removedDi|removedMeng|removedTer) == 0:
		s.cut(2)
	case s.hasSuffix("i") && !s.hasSuffix("si") && f&(removedBer|removedKe|removedPeng) == 0:
		s.cut(1)
	}
}
