package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz pings every backend; 503 names the ones that do not answer.
func (a *App) readyz(c *fiber.Ctx) error {
	checks := map[string]func(context.Context) error{
		"docs":   a.stores.Docs.Ping,
		"blobs":  a.stores.Blobs.Ping,
		"search": a.stores.Search.Ping,
	}
	results := fiber.Map{}
	var down []string
	for name, ping := range checks {
		ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
		err := ping(ctx)
		cancel()
		if err != nil {
			a.log.Warn("backend not ready", "backend", name, "err", err)
			results[name] = "unavailable"
			down = append(down, name)
		} else {
			results[name] = "ok"
		}
	}
	if len(down) > 0 {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "unavailable": down, "checks": results})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": results})
}
