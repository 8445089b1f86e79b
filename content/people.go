package content

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/storage/docs"
)

// People: the admin's users list, editing an account, password resets and
// changes, and a user's own sessions.

// maxDevice bounds the stored User-Agent of a session.
const maxDevice = 200

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// foldName is a name as the list searches it: lower case, single spaces.
func foldName(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Facets. A user's main role is the highest they hold (an admin holds
// every role, a trainer is a learner too), so the role filter names one
// value per user and needs one indexed field.
const (
	facetOn  = "on"
	facetOff = "off"
)

func mainRole(roles []string) string {
	switch {
	case slices.Contains(roles, RoleAdmin):
		return RoleAdmin
	case slices.Contains(roles, RoleTrainer):
		return RoleTrainer
	}
	return RoleLearner
}

// setKeys fills the fields the users list is served by. Every write of
// a User goes through it (CreateUser, UpdateUser, RekeyUsers).
func (u *User) setKeys() {
	u.IsAdmin = slices.Contains(u.Roles, RoleAdmin)
	u.IsMentor = slices.Contains(u.Roles, RoleMentor)
	// \x01 sorts below every printable character, so "budi" comes before
	// "budi a", and the NIP makes the key unique: a page cursor is then
	// the key itself.
	u.NameKey = foldName(u.Name) + "\x01" + u.NIP
	state := facetOn
	if !u.Active() {
		state = facetOff
	}
	u.Facet = mainRole(u.Roles) + "." + state
}

// WithKeys returns u with its list fields filled, for tools that write
// user documents in bulk (benchmarks, migrations).
func (u User) WithKeys() User {
	u.setKeys()
	return u
}

// UserRow is a user as the users list shows one.
type UserRow struct {
	User
	Active bool `json:"active"`
}

func rowOf(u User) UserRow { return UserRow{User: u, Active: u.Active()} }

// UserQuery filters the users list. Q is a name prefix (any case) or,
// when all digits, a NIP prefix. Role is a main role; Active is "1", "0"
// or empty. After is the Next of the previous page.
type UserQuery struct {
	Q, Unit, Role, Active string
	After                 string
	Limit                 int
}

// UserList is one page of users with the number of all that match.
type UserList struct {
	Items []UserRow `json:"items"`
	Total int64     `json:"total"`
	Next  string    `json:"next,omitempty"`
}

// maxTeam bounds the team an atasan's list is drawn from: a team is read
// whole and filtered in memory.
const maxTeam = 2000

func isDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// ListUsers lists users by name: every user for an admin, their own team
// (users naming them as atasan) for anyone else, and ErrForbidden for a
// user with no team. Every query is served by an index; filters that
// several index values satisfy (a role in either status, a status in any
// role) are a merge of one indexed query per value.
func (s *Service) ListUsers(ctx context.Context, actor User, q UserQuery) (UserList, error) {
	f := fieldErrors{}
	q.Q = strings.TrimSpace(q.Q)
	if utf8.RuneCountInString(q.Q) > 100 {
		f["q"] = msg("too_long", 100)
	}
	q.Q = foldName(q.Q)
	if len(q.Unit) > 200 {
		f["unit"] = msg("too_long", 200)
	}
	if q.Role != "" && !validRole(q.Role) {
		f["role"] = msg("user.role", q.Role)
	}
	switch q.Active {
	case "", "1", "0":
	case "true":
		q.Active = "1"
	case "false":
		q.Active = "0"
	default:
		f["active"] = msg("user.active_filter")
	}
	if err := f.err(); err != nil {
		return UserList{}, err
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 50
	}
	sortField, prefix := "name_key", q.Q
	if isDigits(q.Q) {
		sortField = "nip"
	}
	after := ""
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || len(q.After) > 600 || !utf8.Valid(b) {
			return UserList{}, ErrBadCursor
		}
		after = string(b)
	}
	if !actor.Has(RoleAdmin) {
		return s.teamList(ctx, actor, q, sortField, prefix, after)
	}
	var base []docs.Eq
	if q.Unit != "" {
		base = append(base, docs.Eq{Field: "unit", Value: q.Unit})
	}
	var facets []string
	roles := []string{RoleAdmin, RoleTrainer, RoleLearner}
	if q.Role != "" {
		roles = []string{q.Role}
	}
	states := []string{facetOn, facetOff}
	switch q.Active {
	case "1":
		states = []string{facetOn}
	case "0":
		states = []string{facetOff}
	}
	if q.Role != "" || q.Active != "" {
		for _, r := range roles {
			for _, st := range states {
				facets = append(facets, r+"."+st)
			}
		}
	}
	streams := [][]docs.Eq{base}
	if len(facets) > 0 {
		streams = streams[:0]
		for _, fc := range facets {
			streams = append(streams, append(slices.Clip(base), docs.Eq{Field: "facet", Value: fc}))
		}
	}
	upper := ""
	if prefix != "" {
		upper = prefix + "\U0010FFFF"
	}
	rng := func(from string) *docs.Range {
		r := &docs.Range{Field: sortField}
		switch {
		case from != "" && from >= prefix:
			r.Gt = from
		case prefix != "":
			r.Gte = prefix
		}
		if upper != "" {
			r.Lt = upper
		}
		if r.Gt == nil && r.Gte == nil && r.Lt == nil {
			return nil
		}
		return r
	}
	c := s.docs.C(collUsers)
	var out UserList
	var rows []User
	for _, where := range streams {
		n, err := c.Count(ctx, docs.Query{Where: where, Range: rng("")})
		if err != nil {
			return UserList{}, mapErr(err, "users")
		}
		out.Total += n
		if n == 0 {
			continue
		}
		us, _, err := docs.FindAll[User](ctx, c, docs.Query{Where: where, Range: rng(after), Sort: sortField, Limit: q.Limit + 1})
		if err != nil {
			return UserList{}, mapErr(err, "users")
		}
		rows = append(rows, us...)
	}
	return pageOf(rows, out.Total, sortField, q.Limit), nil
}

func sortKey(u User, field string) string {
	if field == "nip" {
		return u.NIP
	}
	return u.NameKey
}

// pageOf sorts merged rows and cuts the page, with the cursor of its last
// row when more follow.
func pageOf(rows []User, total int64, sortField string, limit int) UserList {
	slices.SortFunc(rows, func(a, b User) int { return cmp.Compare(sortKey(a, sortField), sortKey(b, sortField)) })
	out := UserList{Total: total, Items: make([]UserRow, 0, min(len(rows), limit))}
	for i, u := range rows {
		if i == limit {
			out.Next = base64.RawURLEncoding.EncodeToString([]byte(sortKey(rows[i-1], sortField)))
			break
		}
		out.Items = append(out.Items, rowOf(u))
	}
	return out
}

// teamList is an atasan's list: their team, read whole through the
// supervisor index and filtered here (a team is tens of people).
func (s *Service) teamList(ctx context.Context, actor User, q UserQuery, sortField, prefix, after string) (UserList, error) {
	team, err := s.Team(ctx, actor.NIP)
	if err != nil {
		return UserList{}, err
	}
	if len(team) == 0 {
		return UserList{}, ErrForbidden
	}
	var rows []User
	var total int64
	for _, u := range team {
		if u.NameKey == "" {
			u.setKeys()
		}
		key := sortKey(u, sortField)
		switch {
		case prefix != "" && !strings.HasPrefix(key, prefix),
			q.Unit != "" && u.Unit != q.Unit,
			q.Role != "" && mainRole(u.Roles) != q.Role,
			q.Active == "1" && !u.Active(), q.Active == "0" && u.Active():
			continue
		}
		total++
		if after == "" || key > after {
			rows = append(rows, u)
		}
	}
	return pageOf(rows, total, sortField, q.Limit), nil
}

// Team lists the users naming nip as their atasan, by name (at most
// maxTeam).
func (s *Service) Team(ctx context.Context, nip string) ([]User, error) {
	if nip == "" {
		return nil, nil
	}
	var out []User
	q := docs.Query{Where: []docs.Eq{{Field: "supervisor_nip", Value: nip}}, Sort: "name_key", Limit: 500}
	for len(out) < maxTeam {
		us, next, err := docs.FindAll[User](ctx, s.docs.C(collUsers), q)
		if err != nil {
			return nil, mapErr(err, "team")
		}
		out = append(out, us...)
		if next == "" {
			break
		}
		q.After = next
	}
	return out, nil
}

// UserFor returns one user for actor: an admin sees anyone, an atasan
// their team, anyone themselves.
func (s *Service) UserFor(ctx context.Context, actor User, nip string) (UserRow, error) {
	u, err := s.User(ctx, nip)
	if err != nil {
		return UserRow{}, err
	}
	if !actor.Has(RoleAdmin) && actor.NIP != nip && u.SupervisorNIP != actor.NIP {
		return UserRow{}, ErrForbidden
	}
	return rowOf(u), nil
}

// UserPatch is what an admin changes on an account; nil leaves a field.
type UserPatch struct {
	Name          *string   `json:"name"`
	Email         *string   `json:"email"`
	Phone         *string   `json:"phone"`
	Unit          *string   `json:"unit"`
	Position      *string   `json:"position"`
	SupervisorNIP *string   `json:"supervisor_nip"`
	Roles         *[]string `json:"roles"`
	Active        *bool     `json:"active"`
}

// validEmail names what is wrong with an email address ("" is none).
func validEmail(s string) *Msg {
	if s == "" {
		return nil
	}
	if len(s) > 254 {
		m := msg("too_long", 254)
		return &m
	}
	// Only a bare address: "Name <a@b>" parses too, but is not one.
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		m := msg("user.email")
		return &m
	}
	return nil
}

// validPhone names what is wrong with a phone number ("" is none): digits
// with the usual separators, 6 to 15 digits (E.164).
func validPhone(s string) *Msg {
	if s == "" {
		return nil
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			m := msg("user.phone")
			return &m
		}
	}
	if digits < 6 || digits > 15 || len(s) > 30 {
		m := msg("user.phone")
		return &m
	}
	return nil
}

// UpdateUser applies an admin's changes to an account, after checking
// every field: the unit and the atasan must exist, the atasan must not be
// the user. A disabled account's sessions and tokens end at once; every
// change is audited with the account before and after.
func (s *Service) UpdateUser(ctx context.Context, actor User, nip string, p UserPatch) (UserRow, error) {
	if !actor.Has(RoleAdmin) {
		return UserRow{}, ErrForbidden
	}
	for _, sp := range []*string{p.Name, p.Email, p.Phone, p.Unit, p.Position, p.SupervisorNIP} {
		trimPtr(sp)
	}
	f := fieldErrors{}
	if p.Name != nil {
		if *p.Name == "" {
			f["name"] = msg("required")
		} else if utf8.RuneCountInString(*p.Name) > 200 {
			f["name"] = msg("too_long", 200)
		}
	}
	if p.Email != nil {
		if m := validEmail(*p.Email); m != nil {
			f["email"] = *m
		}
	}
	if p.Phone != nil {
		if m := validPhone(*p.Phone); m != nil {
			f["phone"] = *m
		}
	}
	if p.Position != nil && utf8.RuneCountInString(*p.Position) > 200 {
		f["position"] = msg("too_long", 200)
	}
	var roles []string
	if p.Roles != nil {
		if len(*p.Roles) > 10 {
			f["roles"] = msg("user.role", "…")
		}
		roles = slices.Clone(*p.Roles)
		if len(roles) == 0 {
			roles = []string{RoleLearner}
		}
		for _, r := range roles {
			if !validRole(r) {
				f["roles"] = msg("user.role", clip(r, 40))
			}
		}
		slices.Sort(roles)
		roles = slices.Compact(roles)
	}
	// An admin cannot lock themselves out: the last way back in would be
	// the command line.
	if nip == actor.NIP {
		if p.Active != nil && !*p.Active {
			f["active"] = msg("user.self_disable")
		}
		if p.Roles != nil && !slices.Contains(roles, RoleAdmin) {
			f["roles"] = msg("user.self_admin")
		}
	}
	// The unit and the atasan are looked up too, so one answer names
	// every field that is wrong.
	if p.Unit != nil && *p.Unit != "" {
		if len(*p.Unit) > 100 {
			f["unit"] = msg("too_long", 100)
		} else if _, err := s.Unit(ctx, *p.Unit); errors.Is(err, ErrNotFound) {
			f["unit"] = msg("unit.unknown", *p.Unit)
		} else if err != nil {
			return UserRow{}, err
		}
	}
	if p.SupervisorNIP != nil && *p.SupervisorNIP != "" {
		sup := *p.SupervisorNIP
		if sup == nip {
			f["supervisor_nip"] = msg("user.supervisor_self")
		} else if err := ValidateNIP(sup, s.now()); err != nil {
			f["supervisor_nip"], _ = messageOf(err)
		} else if _, err := s.User(ctx, sup); errors.Is(err, ErrNotFound) {
			f["supervisor_nip"] = msg("user.supervisor_unknown", sup)
		} else if err != nil {
			return UserRow{}, err
		}
	}
	if err := f.err(); err != nil {
		return UserRow{}, err
	}
	var before User
	after, err := docs.Update(ctx, s.docs.C(collUsers), nip, func(u *User) error {
		before = *u
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&u.Name, p.Name)
		set(&u.Email, p.Email)
		set(&u.Phone, p.Phone)
		set(&u.Unit, p.Unit)
		set(&u.Position, p.Position)
		set(&u.SupervisorNIP, p.SupervisorNIP)
		if p.Roles != nil {
			u.Roles = roles
		}
		if p.Active != nil {
			switch {
			case *p.Active:
				u.Disabled = time.Time{}
			case u.Active():
				u.Disabled = s.now().UTC().Truncate(time.Millisecond)
			}
		}
		u.setKeys()
		return nil
	})
	if err != nil {
		return UserRow{}, mapErr(err, "user "+nip)
	}
	if !after.Active() {
		// Resolve refuses a disabled account already; ending its sessions
		// and tokens makes that so for good, even if it is enabled again.
		if _, err := s.EndUserSessions(ctx, nip, ""); err != nil {
			return UserRow{}, err
		}
	}
	s.Audit(ctx, actor, "user.update", nip, rowOf(before), rowOf(after))
	if before.Unit != after.Unit || before.Position != after.Position || before.Active() != after.Active() ||
		before.SupervisorNIP != after.SupervisorNIP {
		if err := s.userChanged(ctx, before, after); err != nil {
			return rowOf(after), err
		}
	}
	return rowOf(after), nil
}

// ResetPassword issues a one-use activation code for an account, for an
// admin to hand over as a link. The current password keeps working until
// the code is used.
func (s *Service) ResetPassword(ctx context.Context, actor User, nip string) (code string, expires time.Time, err error) {
	if !actor.Has(RoleAdmin) {
		return "", time.Time{}, ErrForbidden
	}
	u, err := s.User(ctx, nip)
	if err != nil {
		return "", time.Time{}, err
	}
	if !u.Active() {
		return "", time.Time{}, invalid("active", msg("user.disabled"))
	}
	code, expires, err = s.IssueActivation(ctx, nip)
	if err != nil {
		return "", time.Time{}, err
	}
	s.Audit(ctx, actor, "user.reset", nip, nil, map[string]any{"expires_at": expires})
	return code, expires, nil
}

// ChangePassword sets a user's own password after checking the current
// one (throttled like a login), and ends every other session and token of
// theirs: keep is the secret of the one in use.
func (s *Service) ChangePassword(ctx context.Context, u User, current, next, client, keep string) error {
	f := fieldErrors{}
	if current == "" {
		f["current"] = msg("required")
	} else if len(current) > 512 {
		f["current"] = msg("user.current_wrong")
	}
	if n := utf8.RuneCountInString(next); n < MinPasswordLen {
		f["new"] = msg("user.password_short", MinPasswordLen)
	} else if n > 128 {
		f["new"] = msg("too_long", 128)
	} else if next == current {
		f["new"] = msg("user.password_same")
	}
	if err := f.err(); err != nil {
		return err
	}
	if _, err := s.Authenticate(ctx, u.NIP, current, client); errors.Is(err, ErrUnauthorized) {
		return invalid("current", msg("user.current_wrong"))
	} else if err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	if _, err := docs.Update(ctx, s.docs.C(collUsers), u.NIP, func(v *User) error {
		v.PasswordHash = hash
		return nil
	}); err != nil {
		return mapErr(err, "user "+u.NIP)
	}
	_, err = s.EndUserSessions(ctx, u.NIP, keep)
	return err
}

// ContactInput is what a user may change about themselves.
type ContactInput struct {
	Email *string `json:"email"`
	Phone *string `json:"phone"`
}

// UpdateContact changes a user's own email and phone.
func (s *Service) UpdateContact(ctx context.Context, u User, in ContactInput) (User, error) {
	trimPtr(in.Email)
	trimPtr(in.Phone)
	f := fieldErrors{}
	if in.Email != nil {
		if m := validEmail(*in.Email); m != nil {
			f["email"] = *m
		}
	}
	if in.Phone != nil {
		if m := validPhone(*in.Phone); m != nil {
			f["phone"] = *m
		}
	}
	if err := f.err(); err != nil {
		return User{}, err
	}
	out, err := docs.Update(ctx, s.docs.C(collUsers), u.NIP, func(v *User) error {
		if in.Email != nil {
			v.Email = *in.Email
		}
		if in.Phone != nil {
			v.Phone = *in.Phone
		}
		v.setKeys()
		return nil
	})
	return out, mapErr(err, "user "+u.NIP)
}

// SessionInfo is one of a user's sessions or tokens, as they see it.
type SessionInfo struct {
	Kind     string    `json:"kind"`
	Device   string    `json:"device,omitempty"`
	Created  time.Time `json:"created_at"`
	LastSeen time.Time `json:"last_seen_at"`
	Expires  time.Time `json:"expires_at"`
	Current  bool      `json:"current"`
}

// UserSessions lists a user's live sessions and tokens, newest first;
// current is the secret of the one in use.
func (s *Service) UserSessions(ctx context.Context, nip, current string) ([]SessionInfo, error) {
	now := s.now().UTC()
	curID := ""
	if current != "" {
		curID = Hash(current)
	}
	var out []SessionInfo
	for _, kind := range []string{KindSession, KindToken} {
		p, err := s.docs.C(collFor(kind)).Find(ctx, docs.Query{Where: []docs.Eq{{Field: "user", Value: nip}}, Sort: "created", Desc: true, Limit: 200})
		if err != nil {
			return nil, mapErr(err, "sessions")
		}
		all, err := docs.Decode[Session](p)
		if err != nil {
			return nil, mapErr(err, "sessions")
		}
		for i, ss := range all {
			d := p.Docs[i]
			if now.After(ss.Expires) || (kind == KindSession && now.Sub(ss.LastSeen) > SessionIdle) {
				continue
			}
			out = append(out, SessionInfo{Kind: kind, Device: ss.Device, Created: ss.Created, LastSeen: ss.LastSeen,
				Expires: ss.Expires, Current: d.ID == curID})
		}
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// RekeyUsers fills the list fields of accounts stored before they
// existed (or by a tool that left them out), a page at a time, and
// returns how many it rewrote.
func (s *Service) RekeyUsers(ctx context.Context) (int, error) {
	c := s.docs.C(collUsers)
	n := 0
	q := docs.Query{Limit: 500}
	for {
		us, next, err := docs.FindAll[User](ctx, c, q)
		if err != nil {
			return n, mapErr(err, "rekey users")
		}
		for _, u := range us {
			want := u.WithKeys()
			if want.NameKey == u.NameKey && want.Facet == u.Facet && want.IsAdmin == u.IsAdmin && want.IsMentor == u.IsMentor {
				continue
			}
			if _, err := docs.Update(ctx, c, u.NIP, func(v *User) error { v.setKeys(); return nil }); err != nil && !errors.Is(err, docs.ErrNotFound) {
				return n, mapErr(err, "rekey users")
			}
			n++
		}
		if next == "" {
			return n, nil
		}
		q.After = next
	}
}
