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

// courseTTL bounds how stale a course may be on the learner's paths.
//
// The fleet's rule: every instance acts on course metadata (syllabus,
// status, owners, JP; never a lesson's text, which is read per version) at
// most courseTTL old. A lesson page, a progress report, a media request and
// the home page may see a course as it was up to courseTTL ago; so may the
// crediting they do (percent, completion, JP), which is then what the
// learner would have got a moment earlier. An edit is seen at once on the
// instance that made it. What must not be stale (editing, publishing,
// enrolling, grading) reads the course from the store.
const courseTTL = 2 * time.Second

// courseCacheMax bounds the courses held; past it the cache starts over.
const courseCacheMax = 2000

// courseCache holds course metadata by id and store version. An entry is
// served for courseTTL after it was read; then the course is read again,
// and a course whose version did not move keeps its decoded entry.
type courseCache struct {
	mu      sync.Mutex
	entries map[string]*courseEntry
}

type courseEntry struct {
	c       *Course // shared and read-only; callers clone what they hand out
	version int64
	read    time.Time
}

func (cc *courseCache) get(id string) *courseEntry {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.entries[id]
}

func (cc *courseCache) put(id string, e *courseEntry) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.entries == nil || len(cc.entries) >= courseCacheMax {
		cc.entries = map[string]*courseEntry{}
	}
	cc.entries[id] = e
}

// forget drops a course after a change made on this instance.
func (cc *courseCache) forget(id string) {
	cc.mu.Lock()
	delete(cc.entries, id)
	cc.mu.Unlock()
}
