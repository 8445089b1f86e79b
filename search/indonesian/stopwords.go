package indonesian

import "slices"

// stopWords are Indonesian function words: conjunctions, prepositions,
// pronouns, auxiliaries, particles and question words. They carry no
// topic, so they are neither indexed nor required in a query. Content
// words ("pelayanan", "kerja", "hasil", "baru") are deliberately absent.
var stopWords = setOf(
	// conjunctions
	"dan", "atau", "serta", "tetapi", "namun", "melainkan", "sedangkan",
	"maupun", "bahwa", "karena", "sebab", "agar", "supaya", "sehingga",
	"jika", "jikalau", "kalau", "apabila", "bila", "bilamana", "ketika",
	"sambil", "seraya", "walaupun", "meskipun", "biarpun", "padahal",
	"lalu", "kemudian", "yaitu", "yakni", "ialah", "adalah", "merupakan",
	// prepositions
	"di", "ke", "dari", "pada", "kepada", "daripada", "dalam", "untuk",
	"bagi", "dengan", "oleh", "tentang", "terhadap", "akan", "antara",
	"melalui", "menurut", "sejak", "hingga", "sampai", "tanpa", "atas",
	"demi", "per", "selama", "sebelum", "sesudah", "setelah", "seperti",
	"sebagai", "secara", "bagaikan",
	// pronouns and determiners
	"yang", "ini", "itu", "tersebut", "sini", "situ", "sana", "saya",
	"aku", "kami", "kita", "kamu", "engkau", "anda", "dia", "ia",
	"mereka", "beliau", "nya", "si", "sang", "para", "sebuah", "suatu",
	"setiap", "tiap", "masing", "semua", "segala", "sesuatu", "beberapa",
	// auxiliaries and adverbs
	"tidak", "tak", "bukan", "belum", "sudah", "telah", "sedang", "masih",
	"akan", "dapat", "bisa", "boleh", "harus", "mesti", "perlu", "ada",
	"juga", "pula", "saja", "hanya", "lagi", "sangat", "amat", "lebih",
	"paling", "agak", "cukup", "pun", "lah", "kah", "tah", "demikian",
	"begitu", "begini", "sekali", "hal",
	// question words
	"apa", "siapa", "mana", "manakah", "bagaimana", "mengapa", "kenapa",
	"kapan", "dimana", "berapa",
)

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

// IsStopWord reports whether the folded word w is a stop word.
func IsStopWord(w string) bool {
	_, ok := stopWords[w]
	return ok
}

// StopWords returns the stop list, sorted, for engines configured with one
// (Meilisearch's stopWords setting).
func StopWords() []string {
	out := make([]string, 0, len(stopWords))
	for w := range stopWords {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}
