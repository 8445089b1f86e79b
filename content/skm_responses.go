package content

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

// Citizens' feedback arrives without an account, so every submission is
// bounded before it costs a write: its size, a honeypot, a signed form
// token (service, issue time, nonce), then one capped counter per client
// address and one per service in the current window. The response is
// stored under an id derived from the token's nonce, so a replayed token
// collides with its first use in the same insert that stores the
// response: single use costs no extra write. The response waits for the
// fold (skm_fold.go) to be counted into its service-and-month aggregate.

// SKMCommentMax bounds a response's comment, in characters.
const SKMCommentMax = 1000

// skmTokenTTL is how long a form may stay open before it is sent.
const skmTokenTTL = 3 * time.Hour

// SKMLimits are the abuse limits of the public form.
type SKMLimits struct {
	// PerAddress responses from one client address per Window.
	PerAddress int64
	// PerService responses to one service per Window, from everyone: a
	// flood from many addresses stops there.
	PerService int64
	Window     time.Duration
}

func (l SKMLimits) withDefaults() SKMLimits {
	if l.PerAddress <= 0 {
		l.PerAddress = 10
	}
	if l.PerService <= 0 {
		l.PerService = 3000
	}
	if l.Window <= 0 {
		l.Window = 10 * time.Minute
	}
	return l
}

// ErrSKMLimited means the address or the service is over its limit.
var ErrSKMLimited = newError("skm.limited", "too many responses")

// LimitedError says until when a submission is refused.
type LimitedError struct {
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string { return "skm: limited for " + e.RetryAfter.String() }
func (e *LimitedError) Unwrap() error { return ErrSKMLimited }

// Message is the limit's own text.
func (e *LimitedError) Message() Msg { return ErrSKMLimited.Message() }

// Respondent data, as the regulation's questionnaire asks it: all optional.
var (
	SKMAgeBands   = []string{"u20", "21-30", "31-40", "41-50", "51-60", "o60"}
	SKMSexes      = []string{"l", "p"}
	SKMEducations = []string{"sd", "smp", "sma", "d3", "s1", "s2", "s3"}
)

// Respondent is what a citizen chose to say about themself.
type Respondent struct {
	Age       string `bson:"age,omitempty" json:"age,omitempty"`
	Sex       string `bson:"sex,omitempty" json:"sex,omitempty"`
	Education string `bson:"education,omitempty" json:"education,omitempty"`
}

// SKMSubmission is one filled form.
type SKMSubmission struct {
	Service string
	// Scores by element code ("u1".."u9"); every one is required.
	Scores     map[string]int
	Comment    string
	Respondent Respondent
	Token      string
	// Honeypot is a field people never see; a bot fills it.
	Honeypot string
	// Client is the sender's address, for the limit.
	Client string
}

// SKMResponse is one stored response.
type SKMResponse struct {
	ID         string            `bson:"id" json:"id"`
	Service    string            `bson:"service" json:"service"`
	Unit       string            `bson:"unit" json:"unit"`
	At         time.Time         `bson:"at" json:"at"`
	Month      string            `bson:"month" json:"month"`
	Scores     [ikm.Elements]int `bson:"scores" json:"scores"`
	Comment    string            `bson:"comment,omitempty" json:"comment,omitempty"`
	Commented  bool              `bson:"commented" json:"-"`
	Respondent Respondent        `bson:"respondent" json:"respondent"`
	Fold       int               `bson:"fold" json:"-"`
}

// skmMonthOf is the WIB month of t, as aggregates are keyed.
func skmMonthOf(t time.Time) string { return t.In(jakarta).Format("2006-01") }

// markup catches text a browser would read as a tag, comment or entity;
// "a < b" and "<3" stay allowed.
var markup = regexp.MustCompile(`<[A-Za-z/!?]|&[A-Za-z#][A-Za-z0-9]*;`)

// checkSKMText refuses control characters and markup in a citizen's text:
// it is always shown as text, but a comment with a script in it is an
// attack, not feedback.
func checkSKMText(s string, max int) *Msg {
	switch {
	case !utf8.ValidString(s):
		m := msg("skm.invalid_text")
		return &m
	case utf8.RuneCountInString(s) > max:
		m := msg("too_long", max)
		return &m
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		m := msg("skm.control_chars")
		return &m
	case markup.MatchString(s):
		m := msg("skm.markup")
		return &m
	}
	return nil
}

// validate checks everything that needs no store, naming each bad field.
func (in *SKMSubmission) validate() ([ikm.Elements]int, error) {
	var scores [ikm.Elements]int
	f := fieldErrors{}
	for i, code := range ikm.Codes {
		v, ok := in.Scores[code]
		switch {
		case !ok || v == 0:
			f["scores."+code] = msg("required")
		case v < 1 || v > 4:
			f["scores."+code] = msg("skm.score_range")
		default:
			scores[i] = v
		}
	}
	for k := range in.Scores {
		if !strings.HasPrefix(k, "u") || len(k) != 2 || k[1] < '1' || k[1] > '9' {
			f["scores."+k[:min(len(k), 20)]] = msg("skm.unknown_element")
			break
		}
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if m := checkSKMText(in.Comment, SKMCommentMax); m != nil {
		f["comment"] = *m
	}
	oneOf := func(field, v string, allowed []string) {
		if v != "" && !containsStr(allowed, v) {
			f[field] = msg("skm.choice")
		}
	}
	oneOf("respondent.age", in.Respondent.Age, SKMAgeBands)
	oneOf("respondent.sex", in.Respondent.Sex, SKMSexes)
	oneOf("respondent.education", in.Respondent.Education, SKMEducations)
	if in.Token == "" {
		f["token"] = msg("required")
	}
	return scores, f.err()
}

func containsStr(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// skmSigningKey is the key form tokens are signed with, shared by every
// instance through the store and read once per process.
func (s *Service) skmSigningKey(ctx context.Context) ([]byte, error) {
	if k := s.skmKey.Load(); k != nil {
		return *k, nil
	}
	k, err := s.Secret(ctx, "skm-form")
	if err != nil {
		return nil, err
	}
	s.skmKey.Store(&k)
	return k, nil
}

func skmMAC(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// SKMFormToken issues a one-time token for a service's form: signed, not
// stored, so showing the page writes nothing.
func (s *Service) SKMFormToken(ctx context.Context, serviceID string) (string, error) {
	key, err := s.skmSigningKey(ctx)
	if err != nil {
		return "", err
	}
	payload := serviceID + "." + strconv.FormatInt(s.now().Unix(), 36) + "." + newID(20)
	return payload + "." + skmMAC(key, payload), nil
}

// checkToken returns the token's nonce if it is ours, for this service and
// neither expired nor from the future.
func (s *Service) checkToken(ctx context.Context, serviceID, token string) (string, error) {
	bad := invalid("token", msg("skm.token_invalid"))
	if len(token) > 200 {
		return "", bad
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 {
		return "", bad
	}
	key, err := s.skmSigningKey(ctx)
	if err != nil {
		return "", err
	}
	payload := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(skmMAC(key, payload))) || parts[0] != serviceID {
		return "", bad
	}
	issued, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil {
		return "", bad
	}
	age := s.now().Sub(time.Unix(issued, 0))
	if age > skmTokenTTL || age < -time.Minute {
		return "", invalid("token", msg("skm.token_expired"))
	}
	return parts[2], nil
}

// skmResponseID derives a response's id from its token's nonce: the
// second use of a token is a duplicate id.
func skmResponseID(nonce string) string {
	sum := sha256.Sum256([]byte("skm-response:" + nonce))
	return hex.EncodeToString(sum[:12])
}

// skmLimitDoc counts submissions in one window; it expires with the
// window, and the fold's sweep removes it.
type skmLimitDoc struct {
	N       int64     `bson:"n"`
	Expires time.Time `bson:"expires"`
}

// takeSKMSlot counts one submission under key in the current window, in
// one version-guarded write, unless the window is full: then nothing is
// written and the wait until the next window is returned.
func (s *Service) takeSKMSlot(ctx context.Context, kind, key string, limit int64) error {
	w := s.opts.SKMLimits.Window
	now := s.now()
	start := now.Truncate(w)
	end := start.Add(w)
	id := kind + ":" + key + ":" + strconv.FormatInt(start.Unix(), 36)
	_, err := upsert(ctx, s.docs.C(collSKMLimits), id, func(d *skmLimitDoc) error {
		if d.N >= limit {
			return &LimitedError{RetryAfter: end.Sub(now).Round(time.Second) + time.Second}
		}
		d.N++
		d.Expires = end.UTC().Truncate(time.Millisecond)
		return nil
	})
	var le *LimitedError
	if errors.As(err, &le) {
		return le
	}
	return mapErr(err, "skm limit")
}

// SKMReceipt is what a sender learns of an accepted response.
type SKMReceipt struct {
	ID      string `json:"id"`
	Service string `json:"service"`
}

// SubmitSKM stores one response after the checks above. A filled honeypot
// gets a receipt and nothing is written, so a bot learns nothing.
func (s *Service) SubmitSKM(ctx context.Context, in SKMSubmission) (SKMReceipt, error) {
	scores, verr := in.validate()
	if in.Honeypot != "" {
		return SKMReceipt{ID: newID(24), Service: in.Service}, nil
	}
	if verr != nil {
		return SKMReceipt{}, verr
	}
	nonce, err := s.checkToken(ctx, in.Service, in.Token)
	if err != nil {
		return SKMReceipt{}, err
	}
	ps, err := s.PublicService(ctx, in.Service)
	if err != nil {
		return SKMReceipt{}, err
	}
	if !ps.Active {
		return SKMReceipt{}, invalid("service", msg("skm.inactive"))
	}
	lim := s.opts.SKMLimits
	if err := s.takeSKMSlot(ctx, "a", in.Client, lim.PerAddress); err != nil {
		return SKMReceipt{}, err
	}
	if err := s.takeSKMSlot(ctx, "s", ps.ID, lim.PerService); err != nil {
		return SKMReceipt{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r := SKMResponse{ID: skmResponseID(nonce), Service: ps.ID, Unit: ps.Unit, At: now, Month: skmMonthOf(now),
		Scores: scores, Comment: in.Comment, Commented: in.Comment != "", Respondent: in.Respondent, Fold: foldWaiting}
	if err := s.docs.C(collSKMResponses).Insert(ctx, r.ID, &r); err != nil {
		if errors.Is(err, docs.ErrDuplicate) {
			return SKMReceipt{}, invalid("token", msg("skm.token_used"))
		}
		return SKMReceipt{}, mapErr(err, "skm response")
	}
	return SKMReceipt{ID: r.ID, Service: ps.ID}, nil
}

// sweepSKMLimits removes counters of windows that have passed.
func (s *Service) sweepSKMLimits(ctx context.Context) error {
	c := s.docs.C(collSKMLimits)
	for range 20 {
		page, err := c.Find(ctx, docs.Query{Range: &docs.Range{Field: "expires", Lt: s.now().Add(-time.Minute).UTC()}, Sort: "expires", Limit: 500})
		if err != nil {
			return mapErr(err, "skm limits")
		}
		for _, d := range page.Docs {
			if err := c.Delete(ctx, d.ID); err != nil && !errors.Is(err, docs.ErrNotFound) {
				return mapErr(err, "skm limits")
			}
		}
		if len(page.Docs) < 500 {
			return nil
		}
	}
	return nil
}

// SetSKMLimits replaces the abuse limits (zero fields take the defaults);
// set before serving, as tests do.
func (s *Service) SetSKMLimits(l SKMLimits) { s.opts.SKMLimits = l.withDefaults() }
