package app

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kotalama/kompeten/content"
)

// captionRow is one language's caption track in the lesson form: the
// caption files of the course to pick from, and the one picked.
type captionRow struct {
	Lang    string
	Label   string
	AssetID string
	Choices []content.Asset
}

// captionRows lists a row for Indonesian and English, and for any other
// language the lesson already has (set through the API), so saving the
// form never drops a track.
func captionRows(assets []content.Asset, current []content.Caption) []captionRow {
	var choices []content.Asset
	for _, a := range assets {
		if content.IsCaption(a.ContentType) {
			choices = append(choices, a)
		}
	}
	langs := []string{"id", "en"}
	for _, cp := range current {
		if !slices.Contains(langs, cp.Lang) {
			langs = append(langs, cp.Lang)
		}
	}
	rows := make([]captionRow, 0, len(langs))
	for _, lang := range langs {
		r := captionRow{Lang: lang, Choices: choices}
		for _, cp := range current {
			if cp.Lang == lang {
				r.AssetID, r.Label = cp.AssetID, cp.Label
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// captionsInput reads the form's caption rows; nil when the form has none.
func captionsInput(c *fiber.Ctx) *[]content.Caption {
	langs := strings.TrimSpace(c.FormValue("caption_langs"))
	if langs == "" {
		return nil
	}
	caps := []content.Caption{}
	for _, lang := range strings.Split(langs, ",") {
		lang = strings.TrimSpace(lang)
		if id := strings.TrimSpace(c.FormValue("caption_" + lang)); id != "" && lang != "" {
			caps = append(caps, content.Caption{AssetID: utils.CopyString(id), Lang: utils.CopyString(lang),
				Label: utils.CopyString(strings.TrimSpace(c.FormValue("caption_label_" + lang)))})
		}
	}
	return &caps
}

// CaptionLangs is the caption_langs hidden field.
func (v lessonFormView) CaptionLangs() string {
	ls := make([]string, len(v.Captions))
	for i, r := range v.Captions {
		ls[i] = r.Lang
	}
	return strings.Join(ls, ",")
}

func derefCaptions(p *[]content.Caption) []content.Caption {
	if p == nil {
		return nil
	}
	return *p
}
