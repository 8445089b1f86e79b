package app

import (
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// People pages: units, users and the audit log for admins; the profile
// for everyone; the activation link for someone not signed in yet.

// whenWIB is a moment as the pages show it: date and time in Western
// Indonesia Time.
func whenWIB(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatDateID(t) + " " + t.In(wib).Format("15.04") + " WIB"
}

// unitNode is a unit with the units under it, for the tree.
type unitNode struct {
	content.Unit
	Children []*unitNode
}

// unitOption is a unit in a parent or filter choice, indented by depth.
type unitOption struct {
	Code, Label string
	Selected    bool
}

// unitTree orders units as a tree: roots, then each unit's children, by
// name. A unit whose parent is missing is shown as a root.
func unitTree(us []content.Unit) ([]*unitNode, []unitOption) {
	nodes := make(map[string]*unitNode, len(us))
	for _, u := range us {
		nodes[u.Code] = &unitNode{Unit: u}
	}
	var roots []*unitNode
	for _, u := range us {
		n := nodes[u.Code]
		if p, ok := nodes[u.Parent]; ok && u.Parent != u.Code {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	byName := func(a, b *unitNode) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }
	var opts []unitOption
	seen := map[string]bool{}
	var walk func(ns []*unitNode, depth int)
	walk = func(ns []*unitNode, depth int) {
		slices.SortFunc(ns, byName)
		for _, n := range ns {
			if seen[n.Code] {
				continue
			}
			seen[n.Code] = true
			opts = append(opts, unitOption{Code: n.Code, Label: strings.Repeat("— ", depth) + n.Name})
			walk(n.Children, depth+1)
		}
	}
	walk(roots, 0)
	return roots, opts
}

type unitsView struct {
	Tree    []*unitNode
	Options []unitOption
	Form    content.Unit
	Editing bool
	Errors  map[string]string
	Saved   string
}

func (a *App) unitsView(c *fiber.Ctx) (unitsView, error) {
	us, err := a.svc.AllUnits(c.UserContext())
	if err != nil {
		return unitsView{}, err
	}
	v := unitsView{}
	v.Tree, v.Options = unitTree(us)
	return v, nil
}

// unitsPage: GET /admin/units, the tree and a form to add a unit or, with
// ?edit=CODE, edit one.
func (a *App) unitsPage(c *fiber.Ctx) error {
	v, err := a.unitsView(c)
	if err != nil {
		return err
	}
	if code := c.Query("edit"); code != "" {
		u, err := a.svc.Unit(c.UserContext(), code)
		if err != nil {
			return err
		}
		v.Form, v.Editing = u, true
	}
	v.Saved = c.Query("saved")
	return a.page(c, "admin_units", v)
}

// unitSubmit: POST /admin/units.
func (a *App) unitSubmit(c *fiber.Ctx) error {
	code := utils.CopyString(strings.TrimSpace(c.FormValue("code")))
	in := content.UnitInput{Name: utils.CopyString(c.FormValue("name")), Parent: utils.CopyString(c.FormValue("parent"))}
	u, err := a.svc.PutUnit(c.UserContext(), *currentUser(c), code, in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.unitsView(c)
		if verr != nil {
			return verr
		}
		v.Form = content.Unit{Code: code, Name: in.Name, Parent: in.Parent}
		v.Editing = c.FormValue("editing") == "1"
		v.Errors = fields
		c.Status(422)
		return a.page(c, "admin_units", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/units?saved="+url.QueryEscape(u.Code), fiber.StatusSeeOther)
}

type usersView struct {
	Query   content.UserQuery
	Options []unitOption
	Units   map[string]string
	List    content.UserList
	NextURL string
	Paged   bool
	Roles   []string
	Error   string
}

// usersPage: GET /admin/users, the users list with search, filters and
// paging.
func (a *App) usersPage(c *fiber.Ctx) error {
	q := userQuery(c)
	us, err := a.svc.AllUnits(c.UserContext())
	if err != nil {
		return err
	}
	v := usersView{Query: q, Units: map[string]string{}, Roles: []string{content.RoleAdmin, content.RoleTrainer, content.RoleLearner}, Paged: q.After != ""}
	_, v.Options = unitTree(us)
	for _, u := range us {
		v.Units[u.Code] = u.Name
	}
	v.List, err = a.svc.ListUsers(c.UserContext(), *currentUser(c), q)
	if fields, ok := a.fieldErrs(c, err); ok {
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			v.Error += k + ": " + fields[k] + ". "
		}
		c.Status(422)
		return a.page(c, "admin_users", v)
	}
	if errors.Is(err, content.ErrBadCursor) {
		return c.Redirect(usersURL(q, ""), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if v.List.Next != "" {
		v.NextURL = usersURL(q, v.List.Next)
	}
	return a.page(c, "admin_users", v)
}

// usersURL is the list with the same filters at another page.
func usersURL(q content.UserQuery, page string) string {
	vals := url.Values{}
	for k, s := range map[string]string{"q": q.Q, "unit": q.Unit, "role": q.Role, "active": q.Active, "page": page} {
		if s != "" {
			vals.Set(k, s)
		}
	}
	if len(vals) == 0 {
		return "/admin/users"
	}
	return "/admin/users?" + vals.Encode()
}

type userView struct {
	User       content.UserRow
	Options    []unitOption
	UnitName   string
	Supervisor string
	Trainer    bool
	Admin      bool
	Mentor     bool
	Self       bool
	Errors     map[string]string
	Saved      bool
	ResetURL   string
	ResetUntil string
}

func (a *App) userView(c *fiber.Ctx, nip string) (userView, error) {
	u, err := a.svc.UserFor(c.UserContext(), *currentUser(c), nip)
	if err != nil {
		return userView{}, err
	}
	us, err := a.svc.AllUnits(c.UserContext())
	if err != nil {
		return userView{}, err
	}
	v := userView{User: u, Trainer: slices.Contains(u.Roles, content.RoleTrainer), Admin: slices.Contains(u.Roles, content.RoleAdmin),
		Self: u.NIP == currentUser(c).NIP, Mentor: slices.Contains(u.Roles, content.RoleMentor)}
	_, v.Options = unitTree(us)
	for _, un := range us {
		if un.Code == u.Unit {
			v.UnitName = un.Name
		}
	}
	if u.SupervisorNIP != "" {
		names, err := a.svc.UserNames(c.UserContext(), []string{u.SupervisorNIP})
		if err != nil {
			return userView{}, err
		}
		v.Supervisor = names[u.SupervisorNIP]
	}
	return v, nil
}

// userPage: GET /admin/users/{nip}.
func (a *App) userPage(c *fiber.Ctx) error {
	v, err := a.userView(c, param(c, "nip"))
	if err != nil {
		return err
	}
	v.Saved = c.Query("saved") == "1"
	return a.page(c, "admin_user", v)
}

// userSubmit: POST /admin/users/{nip}, the whole form.
func (a *App) userSubmit(c *fiber.Ctx) error {
	nip := param(c, "nip")
	roles := []string{content.RoleLearner}
	for _, r := range []string{content.RoleTrainer, content.RoleAdmin, content.RoleMentor} {
		if c.FormValue("role_"+r) == "1" {
			roles = append(roles, r)
		}
	}
	active := c.FormValue("active") == "1"
	p := content.UserPatch{Name: formStr(c, "name"), Email: formStr(c, "email"), Phone: formStr(c, "phone"),
		Unit: formStr(c, "unit"), Position: formStr(c, "position"), SupervisorNIP: formStr(c, "supervisor_nip"),
		Roles: &roles, Active: &active}
	_, err := a.svc.UpdateUser(c.UserContext(), *currentUser(c), nip, p)
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.userView(c, nip)
		if verr != nil {
			return verr
		}
		// The form shows what was sent, to correct it.
		v.User.Name, v.User.Email, v.User.Phone, v.User.Unit = *p.Name, *p.Email, *p.Phone, *p.Unit
		v.User.Position, v.User.SupervisorNIP, v.User.Active = *p.Position, *p.SupervisorNIP, active
		v.Trainer, v.Admin = slices.Contains(roles, content.RoleTrainer), slices.Contains(roles, content.RoleAdmin)
		v.Mentor = slices.Contains(roles, content.RoleMentor)
		v.Errors = fields
		c.Status(422)
		return a.page(c, "admin_user", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/users/"+url.PathEscape(nip)+"?saved=1", fiber.StatusSeeOther)
}

// userResetSubmit: POST /admin/users/{nip}/reset shows the new link once,
// on the user's page: it is not stored anywhere it could be shown again.
func (a *App) userResetSubmit(c *fiber.Ctx) error {
	nip := param(c, "nip")
	code, exp, err := a.svc.ResetPassword(c.UserContext(), *currentUser(c), nip)
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.userView(c, nip)
		if verr != nil {
			return verr
		}
		v.Errors = fields
		c.Status(422)
		return a.page(c, "admin_user", v)
	}
	if err != nil {
		return err
	}
	v, err := a.userView(c, nip)
	if err != nil {
		return err
	}
	v.ResetURL, v.ResetUntil = a.activationURL(code), whenWIB(exp)
	return a.page(c, "admin_user", v)
}

// auditChange is one field of an audited record, before and after.
type auditChange struct {
	Field, Before, After string
	Changed              bool
}

type auditRow struct {
	content.AuditEntry
	ActorName string
	When      string
	Changes   []auditChange
}

type auditView struct {
	Rows    []auditRow
	NextURL string
	Paged   bool
}

// auditValue writes one JSON value for a person: text as is, lists joined.
func auditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "✓"
		}
		return "✗"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = auditValue(e)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// auditChanges lays the before and after records side by side, changed
// fields first.
func auditChanges(before, after string) []auditChange {
	var b, a map[string]any
	_ = json.Unmarshal([]byte(before), &b)
	_ = json.Unmarshal([]byte(after), &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []auditChange
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		ch := auditChange{Field: k, Before: auditValue(b[k]), After: auditValue(a[k])}
		ch.Changed = ch.Before != ch.After
		out = append(out, ch)
	}
	slices.SortStableFunc(out, func(x, y auditChange) int {
		switch {
		case x.Changed == y.Changed:
			return 0
		case x.Changed:
			return -1
		}
		return 1
	})
	return out
}

// auditPage: GET /admin/audit, newest first, 50 a page.
func (a *App) auditPage(c *fiber.Ctx) error {
	after := utils.CopyString(c.Query("page"))
	es, next, err := a.svc.AuditLog(c.UserContext(), *currentUser(c), after, 50)
	if err != nil && after != "" {
		return c.Redirect("/admin/audit", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	nips := make([]string, 0, len(es))
	for _, e := range es {
		nips = append(nips, e.Actor)
	}
	names, err := a.svc.UserNames(c.UserContext(), nips)
	if err != nil {
		return err
	}
	v := auditView{Paged: after != ""}
	for _, e := range es {
		v.Rows = append(v.Rows, auditRow{AuditEntry: e, ActorName: names[e.Actor], When: whenWIB(e.At), Changes: auditChanges(e.Before, e.After)})
	}
	if next != "" {
		v.NextURL = "/admin/audit?page=" + url.QueryEscape(next)
	}
	return a.page(c, "admin_audit", v)
}

type sessionRow struct {
	content.SessionInfo
	CreatedText, SeenText string
}

type profileView struct {
	Me         content.User
	UnitName   string
	Supervisor string
	Sessions   []sessionRow
	Others     int
	Errors     map[string]string
	PwErrors   map[string]string
	Saved      string
}

func (a *App) profileView(c *fiber.Ctx) (profileView, error) {
	ctx := c.UserContext()
	me, err := a.svc.User(ctx, currentUser(c).NIP)
	if err != nil {
		return profileView{}, err
	}
	v := profileView{Me: me, UnitName: me.Unit}
	if me.Unit != "" {
		if un, err := a.svc.Unit(ctx, me.Unit); err == nil {
			v.UnitName = un.Name
		}
	}
	if me.SupervisorNIP != "" {
		names, err := a.svc.UserNames(ctx, []string{me.SupervisorNIP})
		if err != nil {
			return profileView{}, err
		}
		v.Supervisor = names[me.SupervisorNIP]
	}
	secret, _ := c.Locals(localSecret).(string)
	ss, err := a.svc.UserSessions(ctx, me.NIP, secret)
	if err != nil {
		return profileView{}, err
	}
	for _, s := range ss {
		v.Sessions = append(v.Sessions, sessionRow{SessionInfo: s, CreatedText: whenWIB(s.Created), SeenText: whenWIB(s.LastSeen)})
		if !s.Current {
			v.Others++
		}
	}
	return v, nil
}

// profilePage: GET /profile.
func (a *App) profilePage(c *fiber.Ctx) error {
	v, err := a.profileView(c)
	if err != nil {
		return err
	}
	switch s := c.Query("saved"); s {
	case "contact", "password", "sessions":
		v.Saved = s
	}
	return a.page(c, "profile", v)
}

// profileSubmit: POST /profile, the user's email and phone.
func (a *App) profileSubmit(c *fiber.Ctx) error {
	in := content.ContactInput{Email: formStr(c, "email"), Phone: formStr(c, "phone")}
	_, err := a.svc.UpdateContact(c.UserContext(), *currentUser(c), in)
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.profileView(c)
		if verr != nil {
			return verr
		}
		v.Me.Email, v.Me.Phone, v.Errors = *in.Email, *in.Phone, fields
		c.Status(422)
		return a.page(c, "profile", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/profile?saved=contact", fiber.StatusSeeOther)
}

// passwordSubmit: POST /profile/password. This browser stays signed in;
// every other session and token ends.
func (a *App) passwordSubmit(c *fiber.Ctx) error {
	cur, next := c.FormValue("current"), c.FormValue("new")
	var err error
	if next != c.FormValue("confirm") {
		err = &content.ValidationError{Fields: map[string]content.Msg{"confirm": emsg("user.password_confirm")}}
	} else {
		secret, _ := c.Locals(localSecret).(string)
		err = a.svc.ChangePassword(c.UserContext(), *currentUser(c), utils.CopyString(cur), utils.CopyString(next), clientIP(c), secret)
	}
	if fields, ok := a.fieldErrs(c, err); ok {
		v, verr := a.profileView(c)
		if verr != nil {
			return verr
		}
		v.PwErrors = fields
		c.Status(422)
		return a.page(c, "profile", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/profile?saved=password", fiber.StatusSeeOther)
}

// endSessionsSubmit: POST /profile/sessions/end, "sign out elsewhere".
func (a *App) endSessionsSubmit(c *fiber.Ctx) error {
	secret, _ := c.Locals(localSecret).(string)
	if secret == "" {
		return errUnauthenticated()
	}
	if _, err := a.svc.EndUserSessions(c.UserContext(), currentUser(c).NIP, secret); err != nil {
		return err
	}
	return c.Redirect("/profile?saved=sessions", fiber.StatusSeeOther)
}

type activateView struct {
	Code   string
	Errors map[string]string
}

// activatePage: GET /activate/{code}, where someone given a link sets
// their password. The code is checked when the form is sent.
func (a *App) activatePage(c *fiber.Ctx) error {
	code := param(c, "code")
	if len(code) > 100 {
		return fiber.ErrNotFound
	}
	c.Set("Referrer-Policy", "no-referrer")
	return a.page(c, "activate", activateView{Code: code})
}

// activateSubmit: POST /activate/{code}: sets the password, then signs in
// with a new session.
func (a *App) activateSubmit(c *fiber.Ctx) error {
	code := param(c, "code")
	c.Set("Referrer-Policy", "no-referrer")
	pw := c.FormValue("password")
	var err error
	var u content.User
	if len(code) > 100 {
		err = content.ErrActivationInvalid
	} else if pw != c.FormValue("confirm") {
		err = &content.ValidationError{Fields: map[string]content.Msg{"confirm": emsg("user.password_confirm")}}
	} else {
		u, err = a.svc.Activate(c.UserContext(), code, utils.CopyString(pw))
	}
	if errors.Is(err, content.ErrActivationInvalid) {
		err = &content.ValidationError{Fields: map[string]content.Msg{"code": content.ErrActivationInvalid.Message()}}
	}
	if fields, ok := a.fieldErrs(c, err); ok {
		c.Status(422)
		if len(code) > 100 {
			code = ""
		}
		return a.page(c, "activate", activateView{Code: code, Errors: fields})
	}
	if err != nil {
		return err
	}
	if err := a.startSession(c, u.NIP, "account activated"); err != nil {
		return err
	}
	return c.Redirect("/?msg=activated", fiber.StatusSeeOther)
}
