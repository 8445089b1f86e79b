package app

import "github.com/gofiber/fiber/v2"

func (a *App) evaluationPages(pages fiber.Router) {}
