package content

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// Roles.
const (
	RoleLearner = "learner"
	RoleTrainer = "trainer"
	RoleAdmin   = "admin"
)

// JPTarget is the yearly minimum of competency development for every ASN.
const JPTarget = 20

// MinPasswordLen follows OWASP ASVS 2.1.1.
const MinPasswordLen = 12

// User is an ASN account, keyed by NIP.
type User struct {
	NIP   string `bson:"nip" json:"nip"`
	Name  string `bson:"name" json:"name"`
	Email string `bson:"email,omitempty" json:"email,omitempty"`
	Phone string `bson:"phone,omitempty" json:"phone,omitempty"`
	// Unit is the code of the user's unit kerja.
	Unit     string `bson:"unit" json:"unit"`
	Position string `bson:"position,omitempty" json:"position,omitempty"`
	// SupervisorNIP names the user's atasan, who sees and assigns to the
	// team of everyone naming them.
	SupervisorNIP string    `bson:"supervisor_nip,omitempty" json:"supervisor_nip,omitempty"`
	Roles         []string  `bson:"roles" json:"roles"`
	PasswordHash  string    `bson:"password_hash" json:"-"`
	Created       time.Time `bson:"created" json:"created_at"`
	Disabled      time.Time `bson:"disabled,omitempty" json:"-"`
	// IsAdmin mirrors Roles so "is there an admin" is an indexed query.
	IsAdmin bool `bson:"is_admin" json:"-"`
	// IsMentor mirrors Roles for the pairing form's list of mentors.
	IsMentor bool `bson:"is_mentor,omitempty" json:"-"`
	// NameKey and Facet let the users list search and filter by index
	// alone (people.go, setKeys): the folded name with the NIP, and the
	// main role with the status.
	NameKey string `bson:"name_key,omitempty" json:"-"`
	Facet   string `bson:"facet,omitempty" json:"-"`
	// ReminderEmailOff: the user asked for reminders in the app only.
	// Stored as "off" so accounts from before the setting get the email.
	ReminderEmailOff bool `bson:"reminder_email_off,omitempty" json:"-"`
}

// Has reports whether the user holds role. Admins hold every role and
// trainers are learners too.
func (u User) Has(role string) bool {
	if slices.Contains(u.Roles, RoleAdmin) {
		return true
	}
	if role == RoleLearner {
		return true
	}
	return slices.Contains(u.Roles, role)
}

// Active reports whether the account may sign in.
func (u User) Active() bool { return u.Disabled.IsZero() }

// NewUser is the input for creating an account.
type NewUser struct {
	NIP      string   `json:"nip"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Unit     string   `json:"unit"`
	Position string   `json:"position"`
	Roles    []string `json:"roles"`
	Password string   `json:"password"`
}

func validRole(r string) bool {
	return r == RoleLearner || r == RoleTrainer || r == RoleAdmin || r == RoleMentor
}

// validate normalises in and names every field that is wrong.
func (in *NewUser) validate(now time.Time) error {
	f := fieldErrors{}
	in.NIP = strings.TrimSpace(in.NIP)
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(in.Email)
	in.Unit = strings.TrimSpace(in.Unit)
	in.Position = strings.TrimSpace(in.Position)
	if err := ValidateNIP(in.NIP, now); err != nil {
		f["nip"], _ = messageOf(err)
	}
	if in.Name == "" {
		f["name"] = msg("required")
	} else if utf8.RuneCountInString(in.Name) > 200 {
		f["name"] = msg("too_long", 200)
	}
	if in.Email != "" {
		if _, err := mail.ParseAddress(in.Email); err != nil {
			f["email"] = msg("user.email")
		}
	}
	if utf8.RuneCountInString(in.Unit) > 200 {
		f["unit"] = msg("too_long", 200)
	}
	if utf8.RuneCountInString(in.Position) > 200 {
		f["position"] = msg("too_long", 200)
	}
	if len(in.Roles) == 0 {
		in.Roles = []string{RoleLearner}
	}
	for _, r := range in.Roles {
		if !validRole(r) {
			f["roles"] = msg("user.role", r)
		}
	}
	slices.Sort(in.Roles)
	in.Roles = slices.Compact(in.Roles)
	if n := utf8.RuneCountInString(in.Password); n < MinPasswordLen {
		f["password"] = msg("user.password_short", MinPasswordLen)
	} else if n > 128 {
		f["password"] = msg("too_long", 128)
	}
	return f.err()
}

// CreateUser validates and stores a new account. A taken NIP is ErrDuplicate.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	if err := in.validate(s.now()); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	u := User{
		NIP: in.NIP, Name: in.Name, Email: in.Email, Unit: in.Unit, Position: in.Position,
		Roles: in.Roles, PasswordHash: hash, Created: s.now().UTC().Truncate(time.Millisecond),
	}
	u.setKeys()
	if err := s.docs.C(collUsers).Insert(ctx, u.NIP, &u); err != nil {
		return User{}, mapErr(err, "user "+u.NIP)
	}
	if err := s.noteUnit(ctx, u.Unit); err != nil {
		return u, err
	}
	return u, s.userChanged(ctx, User{}, u)
}

// User returns the account with that NIP.
func (s *Service) User(ctx context.Context, nip string) (User, error) {
	var u User
	_, err := s.docs.C(collUsers).Get(ctx, nip, &u)
	return u, mapErr(err, "user "+nip)
}

// HasAdmin reports whether any admin account exists.
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	n, err := s.docs.C(collUsers).Count(ctx, docs.Query{Where: []docs.Eq{{Field: "is_admin", Value: true}}})
	return n > 0, mapErr(err, "count admins")
}

// Login limits, per OWASP ASVS 2.2.1: an account locks after 10 failures in
// 15 minutes; one client address after 50 (enough for a shared office NAT).
const (
	throttleWindow     = 15 * time.Minute
	MaxAccountFailures = 10
	MaxAddressFailures = 50
)

// Authenticate checks a NIP and password, throttled per account and per
// client address. Unknown NIPs and wrong passwords look the same.
func (s *Service) Authenticate(ctx context.Context, nip, password, client string) (User, error) {
	nip = strings.TrimSpace(nip)
	// The NIP becomes a store key and a log field: only a well-formed one
	// may reach either (a 256 MB "NIP" once became a 256 MB throttle row).
	if err := ValidateNIP(nip, s.now()); err != nil {
		m, _ := messageOf(err)
		return User{}, invalid("nip", m)
	}
	acctKey, addrKey := "acct:"+nip, "addr:"+client
	// Every attempt is counted as a failure before its password is
	// compared, in the same versioned write that checks the limit: however
	// many guesses arrive together, no more than the limit are compared.
	// A success takes its mark back. The address goes first, so a client
	// already over its own limit cannot use up an account's.
	at := s.now().UTC().Truncate(time.Millisecond)
	if err := s.reserveAttempt(ctx, addrKey, MaxAddressFailures, at); err != nil {
		return User{}, err
	}
	if err := s.reserveAttempt(ctx, acctKey, MaxAccountFailures, at); err != nil {
		return User{}, err
	}
	u, err := s.User(ctx, nip)
	hash := u.PasswordHash
	if hash == "" {
		// An imported account not yet activated has no password: it
		// takes as long to refuse as any other.
		hash = s.dummyHash
	}
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			return User{}, err
		}
		hash = s.dummyHash
	}
	ok, cerr := s.checkPassword(ctx, hash, password)
	if errors.Is(cerr, ErrBusy) {
		// Nothing was compared, so nothing counts against anyone.
		s.releaseAttempt(ctx, addrKey, at)
		s.releaseAttempt(ctx, acctKey, at)
		return User{}, cerr
	}
	if err != nil || cerr != nil || !ok || !u.Active() || u.PasswordHash == "" {
		return User{}, ErrUnauthorized
	}
	if err := s.docs.C(collThrottle).Delete(ctx, acctKey); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return User{}, mapErr(err, "throttle")
	}
	s.releaseAttempt(ctx, addrKey, at)
	return u, nil
}

type throttleDoc struct {
	Failures []time.Time `bson:"failures"`
	Updated  time.Time   `bson:"updated"`
}

func (t *throttleDoc) recent(now time.Time) []time.Time {
	cut := now.Add(-throttleWindow)
	return slices.DeleteFunc(t.Failures, func(f time.Time) bool { return f.Before(cut) })
}

// reserveAttempt counts an attempt at key as a failure, or refuses it with
// ErrThrottled when the window already holds limit failures. Check and
// count are one versioned write, so parallel attempts cannot all pass a
// check that each of them read before any had counted.
func (s *Service) reserveAttempt(ctx context.Context, key string, limit int, at time.Time) error {
	_, err := upsert(ctx, s.docs.C(collThrottle), key, func(t *throttleDoc) error {
		t.Failures = t.recent(at)
		if len(t.Failures) >= limit {
			return ErrThrottled
		}
		t.Failures = append(t.Failures, at)
		t.Updated = at
		return nil
	})
	if errors.Is(err, ErrThrottled) {
		return ErrThrottled
	}
	return mapErr(err, "throttle")
}

// UserNames maps NIPs to names, for showing trainers beside their courses.
// A NIP without an account is left out.
func (s *Service) UserNames(ctx context.Context, nips []string) (map[string]string, error) {
	out := make(map[string]string, len(nips))
	for _, nip := range nips {
		if _, ok := out[nip]; ok || nip == "" {
			continue
		}
		u, err := s.User(ctx, nip)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[nip] = u.Name
	}
	return out, nil
}

// releaseAttempt takes back one mark made by reserveAttempt. It is best
// effort: a mark left behind only expires with the window.
func (s *Service) releaseAttempt(ctx context.Context, key string, at time.Time) {
	_, _ = docs.Update(ctx, s.docs.C(collThrottle), key, func(t *throttleDoc) error {
		if i := slices.IndexFunc(t.Failures, func(f time.Time) bool { return f.Equal(at) }); i >= 0 {
			t.Failures = slices.Delete(t.Failures, i, i+1)
		}
		return nil
	})
}

// userChanged runs after an account is created or its unit, position or
// status changes, so rules that follow people (assignments reach those who
// join a unit later) follow them. before is the zero User for a new account.
func (s *Service) userChanged(ctx context.Context, before, after User) error {
	return s.followAssignments(ctx, before, after)
}
