package app

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kotalama/kompeten/content"
)

// "Tim saya": an atasan's page of their team.

type teamMemberRow struct {
	content.TeamMember
	JPCapped int
	// Assign opens the assignment form for this member alone.
	Assign string
	Tasks  []teamTaskRow
}

type teamTaskRow struct {
	content.TeamAssignment
	DueText string
}

// dateIn writes a date for a reader of lang, in WIB.
func dateIn(lang string, t time.Time) string {
	if lang == "en" {
		return t.In(wib).Format("2 January 2006")
	}
	return formatDateID(t)
}

type teamView struct {
	Year    int
	Target  int
	Members []teamMemberRow
	Partial bool
	// AssignAll opens the assignment form for the whole team.
	AssignAll string
	Reached   int
	Overdue   int
}

// assignURL is the assignment form with people chosen.
func assignURL(nips []string) string {
	return "/admin/assignments?" + url.Values{"nips": {strings.Join(nips, ",")}}.Encode()
}

// teamPage: GET /team (atasan).
func (a *App) teamPage(c *fiber.Ctx) error {
	t, err := a.svc.TeamOf(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	lang := langOf(c)
	v := teamView{Year: t.Year, Target: t.Target, Partial: t.Partial}
	var nips []string
	for _, m := range t.Members {
		row := teamMemberRow{TeamMember: m, JPCapped: min(m.JP, t.Target), Assign: assignURL([]string{m.NIP})}
		for _, as := range m.Assignments {
			row.Tasks = append(row.Tasks, teamTaskRow{TeamAssignment: as, DueText: dateIn(lang, as.Due)})
		}
		v.Members = append(v.Members, row)
		nips = append(nips, m.NIP)
		if m.Reached {
			v.Reached++
		}
		if m.Overdue > 0 {
			v.Overdue++
		}
	}
	v.AssignAll = assignURL(nips)
	return a.page(c, "team", v)
}
