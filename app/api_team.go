package app

import (
	"github.com/gofiber/fiber/v2"
)

// team: GET /api/v1/team -> the caller's team ("Tim saya"): each member's
// JP this year, assignments with their status, and courses in progress.
// 403 for someone who is no one's atasan.
func (a *App) team(c *fiber.Ctx) error {
	t, err := a.svc.TeamOf(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// localTeam caches, per request, whether the signed-in user has a team.
const localTeam = "has_team"

// hasTeam reports whether the signed-in user is someone's atasan, for the
// menu: one indexed count per request, remembered for the rest of it. A
// failed count hides the entry rather than fail the page.
func (a *App) hasTeam(c *fiber.Ctx) bool {
	if v, ok := c.Locals(localTeam).(bool); ok {
		return v
	}
	u := currentUser(c)
	has := false
	if u != nil {
		var err error
		if has, err = a.svc.HasTeam(c.UserContext(), u.NIP); err != nil {
			a.log.Warn("team count", "nip", u.NIP, "err", err)
		}
	}
	c.Locals(localTeam, has)
	return has
}
