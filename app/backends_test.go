package app

import (
	"context"
	"strings"
	"testing"
)

// TestOpenStoresSearchFails: when the search backend cannot be opened,
// OpenStores closes what it opened and says why; the failed backend's
// nil index never reaches the clean-up (it panicked there).
func TestOpenStoresSearchFails(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Docs: "sqlite://" + dir + "/kompeten.db", Blobs: "file://" + dir + "/objects",
		Search: "meilisearch://127.0.0.1:1?key=k"}
	_, err := OpenStores(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "search index") {
		t.Fatalf("err = %v, want the search index named", err)
	}
}
