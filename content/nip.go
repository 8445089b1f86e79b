package content

import (
	"time"
)

// ValidateNIP checks a NIP (Nomor Induk Pegawai): 18 digits, of which the
// first 8 are a real birth date (YYYYMMDD), the next 6 a real appointment
// year and month (YYYYMM) after the birth, then the sex digit (1 or 2) and a
// 3-digit serial. now bounds both dates from above.
func ValidateNIP(nip string, now time.Time) error {
	if len(nip) != 18 {
		return errMsg("nip.length", 18, len(nip))
	}
	for _, r := range nip {
		if r < '0' || r > '9' {
			return errMsg("nip.digits")
		}
	}
	birth, err := time.Parse("20060102", nip[:8])
	if err != nil || birth.Year() < 1900 || birth.After(now) {
		return errMsg("nip.birth")
	}
	appointed, err := time.Parse("200601", nip[8:14])
	if err != nil || appointed.After(now) || appointed.Before(birth.AddDate(15, 0, 0)) {
		return errMsg("nip.appointed")
	}
	if nip[14] != '1' && nip[14] != '2' {
		return errMsg("nip.sex")
	}
	return nil
}

// MaskNIP shows the birth year and the last four digits only, as on a
// public certificate check: 1992********1003.
func MaskNIP(nip string) string {
	if len(nip) != 18 {
		return "******************"
	}
	return nip[:4] + "**********" + nip[14:]
}
