package content

import (
	"sync"
	"time"
)

// ttlCache keeps values in memory for a short time. It is a per-instance
// cache: values may be up to ttl old on other instances, so it holds only
// what may be that stale (a catalog page, a quiz's questions for checking
// an answer's shape — never what grades or authorises).
type ttlCache[K comparable, V any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || now.After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 1000 {
		c.entries = map[K]ttlEntry[V]{}
	}
	c.entries[k] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
}

// forget drops every entry, after a change made on this instance.
func (c *ttlCache[K, V]) forget() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// Cache lifetimes. Every learner opens the catalog, and it changes only
// when a course is published or edited, so a change shows within two
// seconds on every instance while the store is asked once per page per two
// seconds. During a quiz every save checks its answer against the quiz's
// questions; a quiz edited mid-attempt is graded on the stored version.
const (
	catalogTTL = 2 * time.Second
	quizTTL    = 2 * time.Second
)
