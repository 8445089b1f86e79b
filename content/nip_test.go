package content

import (
	"strings"
	"testing"
	"time"
)

func TestValidateNIP(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		nip  string
		want string // substring of the error; empty: valid
	}{
		{"199203152015031003", ""},
		{"198501012010012001", ""},
		{"19920315201503100", "nip.length"},
		{"1992031520150310033", "nip.length"},
		{"19920315201503100a", "nip.digits"},
		{"199202302015031003", "nip.birth"},     // 30 February
		{"203001012015031003", "nip.birth"},     // born in the future
		{"199203152015131003", "nip.appointed"}, // month 13
		{"199203152005031003", "nip.appointed"}, // appointed at 13
		{"199203152027011003", "nip.appointed"}, // appointed in the future
		{"199203152015033003", "nip.sex"},       // sex digit 3
		{"199203152015030003", "nip.sex"},       // sex digit 0
		{"", "nip.length"},
	}
	for _, c := range cases {
		err := ValidateNIP(c.nip, now)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("ValidateNIP(%q) = %v, want valid", c.nip, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ValidateNIP(%q) = %v, want error containing %q", c.nip, err, c.want)
		}
	}
}

func TestMaskNIP(t *testing.T) {
	if got := MaskNIP("199203152015031003"); got != "1992**********1003" {
		t.Errorf("MaskNIP = %q", got)
	}
	if got := MaskNIP("123"); strings.ContainsAny(got, "0123456789") {
		t.Errorf("MaskNIP of a short value leaks digits: %q", got)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("rahasia-sekali-123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Errorf("hash %q is not argon2id with the expected parameters", h)
	}
	h2, _ := HashPassword("rahasia-sekali-123")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for pw, want := range map[string]bool{"rahasia-sekali-123": true, "rahasia-sekali-124": false, "": false} {
		ok, err := CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted malformed hash %q", bad)
		}
	}
}
