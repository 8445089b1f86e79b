package app

import "github.com/gofiber/fiber/v2"

// adminHome: GET /admin, the admins' hub: one link in the header, every
// admin tool one click from it, grouped by what an admin came to do.
func (a *App) adminHome(c *fiber.Ctx) error {
	return a.page(c, "admin_home", nil)
}
