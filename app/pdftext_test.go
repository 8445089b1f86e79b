package app

import (
	"context"
	"testing"
	"time"

	"github.com/kotalama/kompeten/internal/pdftext/pdftexttest"
)

// TestHostilePDFDoesNotStopIndexing: a trainer uploads a 244-byte PDF whose
// page tree contains itself, as a file lesson. The search outbox still
// finishes, the course's other lessons are found, and a second round does
// not stall on the same file. (The PDF library alone loops forever on it.)
func TestHostilePDFDoesNotStopIndexing(t *testing.T) {
	e := newEnv(t, nil)
	f := newFixture(t, e)
	own := f.tokens["owner"]
	data := pdftexttest.SelfKids()
	up := mustStatus(t, e.api("POST", "/api/v1/uploads", own, map[string]any{"filename": "rusak.pdf", "size": len(data), "course_id": f.course}), 201, "create")
	id := up["id"].(string)
	mustStatus(t, e.putPart(own, id, 1, data), 200, "part")
	a := mustStatus(t, e.api("POST", "/api/v1/uploads/"+id+"/complete", own, nil), 201, "complete")
	if a["content_type"] != "application/pdf" {
		t.Fatalf("asset %v", a)
	}
	mustStatus(t, e.api("POST", "/api/v1/courses/"+f.course+"/modules/"+f.module+"/lessons", own,
		map[string]any{"title": "Bacaan rusak", "kind": "file", "asset_id": a["id"]}), 201, "file lesson")
	for round := range 2 {
		done := make(chan error, 1)
		go func() { _, err := e.app.svc.ProcessOutbox(context.Background(), e.stores.Search); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: the search outbox hangs on the PDF", round)
		}
		if n, err := e.app.svc.PendingIndex(context.Background()); err != nil || n != 0 {
			t.Fatalf("round %d: %d courses pending (%v)", round, n, err)
		}
		r := mustStatus(t, e.api("GET", "/api/v1/search?q=pengantar", f.tokens["enrolled"], nil), 200, "search")
		if len(r["hits"].([]any)) == 0 {
			t.Fatalf("round %d: the course's other lessons are not searchable: %v", round, r)
		}
		// Queue the course again, as an edit would.
		mustStatus(t, e.api("PATCH", "/api/v1/courses/"+f.course, own, map[string]any{"summary": "Diperbarui."}), 200, "edit")
	}
}
