package content

import (
	"sync"
	"time"
)

// catalogTTL is how long a catalog page may be served from memory. Every
// learner opens the catalog, and it changes only when a course is
// published or edited, so a change shows within two seconds on every
// instance, and the store is asked once per page per two seconds.
const catalogTTL = 2 * time.Second

type catalogEntry struct {
	list    CourseList
	expires time.Time
}

type catalogCache struct {
	mu      sync.Mutex
	entries map[CatalogQuery]catalogEntry
}

func (c *catalogCache) get(q CatalogQuery, now time.Time) (CourseList, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[q]
	if !ok || now.After(e.expires) {
		return CourseList{}, false
	}
	return e.list, true
}

func (c *catalogCache) put(q CatalogQuery, l CourseList, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 1000 {
		c.entries = map[CatalogQuery]catalogEntry{}
	}
	c.entries[q] = catalogEntry{list: l, expires: now.Add(catalogTTL)}
}

// forget drops every cached page, after a change made on this instance.
func (c *catalogCache) forget() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}
