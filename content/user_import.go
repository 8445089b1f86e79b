package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kotalama/kompeten/internal/usercsv"
	"github.com/kotalama/kompeten/storage/docs"
)

// Bounds of a user import, from the reader's (see internal/usercsv).
const (
	UserImportMaxBytes = usercsv.MaxBytes
	UserImportMaxLines = usercsv.MaxLines
	// maxUserImportErrors bounds the report of a file where every line
	// is wrong in every column: two per line is already a hopeless file.
	maxUserImportErrors = 2 * usercsv.MaxLines
	// maxImportChanges bounds the preview's list of what would change;
	// the counts are always whole.
	maxImportChanges = 500
)

// UserImportError is one problem of an imported user file: its line, the
// column ("" for the line as a whole) and why.
type UserImportError struct {
	Line  int    `json:"line"`
	Field string `json:"field"`
	Msg
}

// ImportRefused is a user file refused whole, before any of it is
// checked: too large, not text, a header that names unknown columns.
// Reason is the reader's code (usercsv.CodeTooLarge, …).
type ImportRefused struct {
	Reason string
	Line   int
	m      Msg
}

func (e *ImportRefused) Error() string { return "user import refused: " + e.m.String() }

// Message is why, for a person.
func (e *ImportRefused) Message() Msg { return e.m }

// UserRows is a user file read and checked for form, ready for
// ImportUsers: its good lines, and an error for each malformed one.
type UserRows struct {
	has  [usercsv.NumColumns]bool
	rows []userRow
	errs []UserImportError
}

type userRow struct {
	line int
	v    [usercsv.NumColumns]string
}

// Len is the number of well-formed lines.
func (r *UserRows) Len() int { return len(r.rows) }

// ReadUserCSV reads a user file (see internal/usercsv for its format and
// bounds). A refused file is an *ImportRefused; a malformed line is kept
// as an error for ImportUsers to report with the others.
func ReadUserCSV(src io.Reader) (*UserRows, error) {
	rd, err := usercsv.NewReader(src)
	if err != nil {
		return nil, refusal(err)
	}
	out := &UserRows{}
	for c := range usercsv.NumColumns {
		out.has[c] = rd.Has(c)
	}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		var e *usercsv.Error
		if errors.As(err, &e) && !e.Fatal {
			m := msg("usercsv.quote")
			if e.Code == usercsv.CodeFields {
				m = msg("usercsv.fields", e.Args...)
			}
			if len(out.errs) < maxUserImportErrors {
				out.errs = append(out.errs, UserImportError{Line: e.Line, Msg: m})
			}
			continue
		}
		if err != nil {
			return nil, refusal(err)
		}
		out.rows = append(out.rows, userRow{line: rec.Line, v: rec.Values})
	}
}

// refusal turns the reader's refusal into the domain's, with a message.
func refusal(err error) error {
	var e *usercsv.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("read user file: %w", err)
	}
	r := &ImportRefused{Reason: e.Code, Line: e.Line}
	switch e.Code {
	case usercsv.CodeTooLarge:
		r.m = msg("usercsv.too_large", usercsv.MaxBytes>>20)
	case usercsv.CodeBinary:
		r.m = msg("usercsv.binary", e.Line)
	case usercsv.CodeTooManyLines:
		r.m = msg("usercsv.too_many_lines", usercsv.MaxLines)
	case usercsv.CodeCellTooLarge:
		r.m = msg("usercsv.cell_too_large", e.Line, usercsv.MaxCellBytes>>10)
	case usercsv.CodeEmpty:
		r.m = msg("usercsv.empty")
	case usercsv.CodeUnknown:
		r.m = msg("usercsv.header_unknown", fmt.Sprint(e.Args...), strings.Join(usercsv.Names[:], ", "))
	case usercsv.CodeMissing:
		r.m = msg("usercsv.header_missing", fmt.Sprint(e.Args...))
	case usercsv.CodeDuplicate:
		r.m = msg("usercsv.header_duplicate", fmt.Sprint(e.Args...))
	default:
		r.m = msg("usercsv.quote_header", e.Line)
	}
	return r
}

// ImportReport is what an import did, or in a dry run would do.
type ImportReport struct {
	DryRun    bool              `json:"dry_run"`
	Rows      int               `json:"rows"`
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Errors    []UserImportError `json:"errors"`
	// Changes lists the first accounts to be created or updated, with
	// the fields that change, for a preview.
	Changes []ImportChange `json:"changes,omitempty"`
	// Activations are the new accounts' one-use codes (a real run only):
	// they exist nowhere else, the store keeps only their hashes.
	Activations []ImportActivation `json:"-"`
}

// ImportChange is one account an import creates or updates.
type ImportChange struct {
	Line   int      `json:"line"`
	NIP    string   `json:"nip"`
	Name   string   `json:"name"`
	Action string   `json:"action"` // "create" or "update"
	Fields []string `json:"fields,omitempty"`
}

// ImportActivation is a new account's activation code.
type ImportActivation struct {
	NIP     string
	Name    string
	Email   string
	Code    string
	Expires time.Time
}

const (
	rowError byte = iota
	rowCreate
	rowUpdate
	rowSame
)

// ImportUsers creates and updates accounts from rows. Every line is
// checked first, against the store and the rest of the file; if any line
// is wrong nothing is written and every problem is reported with its line
// and column. A dry run stops there. Otherwise new accounts get no
// password (no hashing, so 10,000 accounts take seconds) but a one-use
// activation code; columns the file has overwrite the account's fields,
// columns it lacks are left alone, and an empty roles cell keeps the
// roles. The same file imported twice changes nothing the second time.
// progress, if not nil, is told of each line checked and written.
func (s *Service) ImportUsers(ctx context.Context, actor User, rows *UserRows, dryRun bool, progress func(done, total int)) (ImportReport, error) {
	if !actor.Has(RoleAdmin) {
		return ImportReport{}, ErrForbidden
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	rep := ImportReport{DryRun: dryRun, Rows: len(rows.rows) + len(rows.errs), Errors: slices.Clone(rows.errs)}
	total := len(rows.rows)
	if !dryRun {
		total *= 2
	}
	chk, err := s.newImportCheck(ctx, rows)
	if err != nil {
		return ImportReport{}, err
	}
	actions := make([]byte, len(rows.rows))
	for i := range rows.rows {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return ImportReport{}, err
			}
		}
		act, change, errs, err := chk.row(ctx, &rows.rows[i])
		if err != nil {
			return ImportReport{}, err
		}
		actions[i] = act
		for _, e := range errs {
			if len(rep.Errors) < maxUserImportErrors {
				rep.Errors = append(rep.Errors, e)
			}
		}
		switch act {
		case rowCreate:
			rep.Created++
		case rowUpdate:
			rep.Updated++
		case rowSame:
			rep.Unchanged++
		}
		if change != nil && len(rep.Changes) < maxImportChanges {
			rep.Changes = append(rep.Changes, *change)
		}
		progress(i+1, total)
	}
	slices.SortStableFunc(rep.Errors, func(a, b UserImportError) int { return a.Line - b.Line })
	if len(rep.Errors) > 0 || dryRun {
		return rep, nil
	}
	for i := range rows.rows {
		if err := s.writeImportRow(ctx, rows, &rows.rows[i], actions[i], &rep); err != nil {
			return rep, err
		}
		progress(len(rows.rows)+i+1, total)
	}
	s.Audit(ctx, actor, "user.import", "", nil, map[string]int{"rows": rep.Rows, "created": rep.Created,
		"updated": rep.Updated, "unchanged": rep.Unchanged})
	return rep, nil
}

// importCheck is what checking a file needs beside its lines: the units,
// the file's NIPs, and supervisors already looked up.
type importCheck struct {
	s     *Service
	has   [usercsv.NumColumns]bool
	now   time.Time
	units map[string]bool
	// inFile maps each NIP of the file to its first line.
	inFile map[string]int
	known  map[string]bool // supervisors looked up in the store
}

func (s *Service) newImportCheck(ctx context.Context, rows *UserRows) (*importCheck, error) {
	c := &importCheck{s: s, has: rows.has, now: s.now(), inFile: make(map[string]int, len(rows.rows)), known: map[string]bool{}}
	if rows.has[usercsv.Unit] {
		units, err := s.AllUnits(ctx)
		if err != nil {
			return nil, err
		}
		c.units = make(map[string]bool, len(units))
		for _, u := range units {
			c.units[u.Code] = true
		}
	}
	for _, r := range rows.rows {
		if _, ok := c.inFile[r.v[usercsv.NIP]]; !ok {
			c.inFile[r.v[usercsv.NIP]] = r.line
		}
	}
	return c, nil
}

// row checks one line and decides what it does. The account it would
// become is worked out by apply, the same function the write uses.
func (c *importCheck) row(ctx context.Context, r *userRow) (byte, *ImportChange, []UserImportError, error) {
	var errs []UserImportError
	bad := func(field string, m Msg) { errs = append(errs, UserImportError{Line: r.line, Field: field, Msg: m}) }
	v := &r.v
	nip := v[usercsv.NIP]
	nipOK := false
	if err := ValidateNIP(nip, c.now); err != nil {
		m, _ := messageOf(err)
		bad("nip", m)
	} else if first := c.inFile[nip]; first != r.line {
		bad("nip", msg("import.duplicate", first))
	} else {
		nipOK = true
	}
	if name := v[usercsv.Name]; name == "" {
		bad("name", msg("required"))
	} else if utf8.RuneCountInString(name) > 200 {
		bad("name", msg("too_long", 200))
	}
	if e := v[usercsv.Email]; e != "" {
		if len(e) > 254 {
			bad("email", msg("too_long", 254))
		} else if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			bad("email", msg("user.email"))
		}
	}
	if m := validPhone(v[usercsv.Phone]); m != nil {
		bad("phone", *m)
	}
	if u := v[usercsv.Unit]; u != "" {
		if m := ValidUnitCode(u); m != nil {
			bad("unit", *m)
		} else if !c.units[u] {
			bad("unit", msg("unit.unknown", u))
		}
	}
	if utf8.RuneCountInString(v[usercsv.Position]) > 200 {
		bad("position", msg("too_long", 200))
	}
	if sup := v[usercsv.SupervisorNIP]; sup != "" {
		switch err := ValidateNIP(sup, c.now); {
		case err != nil:
			m, _ := messageOf(err)
			bad("supervisor_nip", m)
		case sup == nip:
			bad("supervisor_nip", msg("import.supervisor_self"))
		default:
			ok, err := c.supervisorExists(ctx, sup)
			if err != nil {
				return rowError, nil, nil, err
			}
			if !ok {
				bad("supervisor_nip", msg("import.supervisor_unknown", sup))
			}
		}
	}
	roles, err := parseRoles(v[usercsv.Roles])
	if err != nil {
		m, _ := messageOf(err)
		bad("roles", m)
	}
	if len(errs) > 0 || !nipOK {
		return rowError, nil, errs, nil
	}
	var before User
	_, err = c.s.docs.C(collUsers).Get(ctx, nip, &before)
	if errors.Is(err, docs.ErrNotFound) {
		return rowCreate, &ImportChange{Line: r.line, NIP: nip, Name: v[usercsv.Name], Action: "create"}, nil, nil
	}
	if err != nil {
		return rowError, nil, nil, mapErr(err, "user "+nip)
	}
	after := before
	if changed := apply(&after, c.has, v, roles); len(changed) > 0 {
		return rowUpdate, &ImportChange{Line: r.line, NIP: nip, Name: after.Name, Action: "update", Fields: changed}, nil, nil
	}
	return rowSame, nil, nil, nil
}

func (c *importCheck) supervisorExists(ctx context.Context, nip string) (bool, error) {
	if _, ok := c.inFile[nip]; ok {
		return true, nil
	}
	if ok, seen := c.known[nip]; seen {
		return ok, nil
	}
	var u User
	_, err := c.s.docs.C(collUsers).Get(ctx, nip, &u)
	if err != nil && !errors.Is(err, docs.ErrNotFound) {
		return false, mapErr(err, "user "+nip)
	}
	// Bounded by the file: one entry per distinct supervisor.
	c.known[nip] = err == nil
	return err == nil, nil
}

// parseRoles reads a roles cell: names separated by ";" (or ","), in
// English or Indonesian. Empty is nil: keep the account's roles.
func parseRoles(cell string) ([]string, error) {
	var out []string
	for r := range strings.FieldsFuncSeq(cell, func(r rune) bool { return r == ';' || r == ',' }) {
		r = strings.ToLower(strings.TrimSpace(r))
		switch r {
		case "":
			continue
		case "peserta":
			r = RoleLearner
		case "pengajar":
			r = RoleTrainer
		}
		if !validRole(r) {
			if len(r) > 40 {
				r = r[:40] + "…"
			}
			return nil, errMsg("user.role", r)
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// apply sets on u the fields the file has, and names those that changed.
func apply(u *User, has [usercsv.NumColumns]bool, v *[usercsv.NumColumns]string, roles []string) []string {
	var changed []string
	set := func(c usercsv.Column, field *string) {
		if has[c] && *field != v[c] {
			*field = v[c]
			changed = append(changed, usercsv.Names[c])
		}
	}
	set(usercsv.Name, &u.Name)
	set(usercsv.Email, &u.Email)
	set(usercsv.Phone, &u.Phone)
	set(usercsv.Unit, &u.Unit)
	set(usercsv.Position, &u.Position)
	set(usercsv.SupervisorNIP, &u.SupervisorNIP)
	if len(roles) > 0 && !slices.Equal(roles, u.Roles) {
		u.Roles = roles
		changed = append(changed, "roles")
	}
	// The users list finds people through keys kept beside the fields.
	u.setKeys()
	return changed
}

// writeImportRow writes one checked line: a new account with its
// activation code, or the changed fields of an existing one.
func (s *Service) writeImportRow(ctx context.Context, rows *UserRows, r *userRow, act byte, rep *ImportReport) error {
	nip := r.v[usercsv.NIP]
	roles, _ := parseRoles(r.v[usercsv.Roles])
	switch act {
	case rowCreate:
		u := User{NIP: nip, Created: s.now().UTC().Truncate(time.Millisecond), Roles: []string{RoleLearner}}
		apply(&u, rows.has, &r.v, roles)
		err := s.docs.C(collUsers).Insert(ctx, nip, &u)
		if errors.Is(err, docs.ErrDuplicate) {
			// Created by someone else since the check: update it instead.
			return s.updateImported(ctx, rows, r, roles)
		}
		if err != nil {
			return mapErr(err, "user "+nip)
		}
		code, expires, err := s.IssueActivation(ctx, nip)
		if err != nil {
			return err
		}
		a := ImportActivation{NIP: nip, Name: u.Name, Email: u.Email, Code: code, Expires: expires}
		rep.Activations = append(rep.Activations, a)
		if err := s.notifyActivation(ctx, a); err != nil {
			return err
		}
		return s.userChanged(ctx, User{}, u)
	case rowUpdate:
		return s.updateImported(ctx, rows, r, roles)
	}
	return nil
}

func (s *Service) updateImported(ctx context.Context, rows *UserRows, r *userRow, roles []string) error {
	var before User
	after, err := docs.Update(ctx, s.docs.C(collUsers), r.v[usercsv.NIP], func(u *User) error {
		before = *u
		apply(u, rows.has, &r.v, roles)
		return nil
	})
	if err != nil {
		return mapErr(err, "user "+r.v[usercsv.NIP])
	}
	return s.userChanged(ctx, before, after)
}

// ActivationPath is the path of the page where an activation code is
// used; the app puts its base URL in front.
func ActivationPath(code string) string { return "/activate/" + code }

// notifyActivation stores an activation notice for a new account with an
// email address, for the mailer to send: the link is the only way in for
// an account without a password, and one without an address cannot read
// the bell. The key names the code, so the same code is never sent twice.
func (s *Service) notifyActivation(ctx context.Context, a ImportActivation) error {
	if a.Email == "" {
		return nil
	}
	_, err := s.Notify(ctx, NewNotification{Key: "activate/" + a.NIP + "/" + Hash(a.Code)[:16], User: a.NIP,
		Kind: "activation", Text: msg("notify.activation", a.Name, int(ActivationLifetime/time.Hour)), URL: ActivationPath(a.Code)})
	return err
}
