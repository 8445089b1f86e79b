package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz pings every backend. The document and object stores are needed
// to serve anything: without them, 503 naming the one that is down. Search
// is not: without it the platform still serves and records every change in
// the outbox, so readyz says "degraded" (still 200, so a load balancer keeps
// the instance) and how many courses wait to be indexed. The same holds
// while the search index is being filled from the document store (a first
// start, a lost volume, a new index version): everything serves and search
// answers from what is already in, so readyz stays 200, says "degraded",
// reports search as "reindexing 120/500" and gives search_reindex
// {done, total}.
func (a *App) readyz(c *fiber.Ctx) error {
	checks := []struct {
		name     string
		ping     func(context.Context) error
		required bool
	}{
		{"docs", a.stores.Docs.Ping, true},
		{"blobs", a.stores.Blobs.Ping, true},
		{"search", a.stores.Search.Ping, false},
	}
	results := fiber.Map{}
	var down, degraded []string
	for _, ch := range checks {
		ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
		err := ch.ping(ctx)
		cancel()
		switch {
		case err == nil:
			results[ch.name] = "ok"
		case ch.required:
			a.log.Warn("backend not ready", "backend", ch.name, "err", err)
			results[ch.name] = "unavailable"
			down = append(down, ch.name)
		default:
			a.log.Warn("backend degraded", "backend", ch.name, "err", err)
			results[ch.name] = "degraded"
			degraded = append(degraded, ch.name)
		}
	}
	body := fiber.Map{"status": "ok", "checks": results}
	if len(down) == 0 {
		if n, err := a.svc.PendingIndex(c.UserContext()); err == nil {
			body["search_pending"] = n
		}
	}
	if done, total, ok := a.fill.state(); ok {
		body["search_reindex"] = fiber.Map{"done": done, "total": total}
		if results["search"] == "ok" {
			results["search"] = fmt.Sprintf("reindexing %d/%d", done, total)
			degraded = append(degraded, "search")
		}
	}
	if len(degraded) > 0 {
		body["status"], body["degraded"] = "degraded", degraded
	}
	if len(down) > 0 {
		body["status"], body["unavailable"] = "unavailable", down
		return c.Status(fiber.StatusServiceUnavailable).JSON(body)
	}
	return c.JSON(body)
}
