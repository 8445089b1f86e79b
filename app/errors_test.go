package app

import (
	"context"
	"fmt"
	"testing"
)

// TestClassifyDeadline: a request that ran out of time (a search waiting
// its turn under load) is a 503 the client may retry, not a 500.
func TestClassifyDeadline(t *testing.T) {
	err := fmt.Errorf("bleve: search %q: %w", "pelayanan", context.DeadlineExceeded)
	if e := classify(err); e.Status != 503 || e.Code != "busy" {
		t.Fatalf("classify(%v) = %d %s, want 503 busy", err, e.Status, e.Code)
	}
}
