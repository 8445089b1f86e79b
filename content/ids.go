package content

import (
	"crypto/rand"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// idAlphabet avoids letters that read alike (no i, l, o, u), so ids can be
// read aloud and typed.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// newID returns n random characters of idAlphabet (5 bits each).
func newID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = idAlphabet[b[i]&31]
	}
	return string(b)
}

// slugify makes a URL-safe slug from a title: lower-case ASCII words joined
// by hyphens, at most 60 characters.
func slugify(title string) string {
	var sb strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r):
			// combining accent from NFKD: drop it, keep the letter
		default:
			if !dash && sb.Len() > 0 {
				sb.WriteByte('-')
				dash = true
			}
		}
		if sb.Len() >= 60 {
			break
		}
	}
	return strings.Trim(sb.String(), "-")
}
