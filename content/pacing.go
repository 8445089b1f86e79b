package content

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Completion is an official record: it credits JP and issues a
// certificate. So the server credits only what time allows since the
// learner first opened a lesson, whatever a client claims.

// PlaybackRates are the speeds the player offers. The server credits at
// most MaxPlaybackRate seconds of video per second of wall-clock time, so
// a learner watching at any offered speed gets full credit.
var PlaybackRates = []float64{0.75, 1, 1.25, 1.5, 1.75, 2}

// MaxPlaybackRate is the fastest of PlaybackRates.
const MaxPlaybackRate = 2.0

// creditGrace absorbs what is not the learner's doing: a report measured
// a moment before it arrives, and the half-second gaps that merging bridges.
const creditGrace = 5 * time.Second

// Reading time. DefaultReadingWPM is the fastest reading the server
// credits (a quick but real read; skimming is faster), typicalReadingWPM
// the pace a lesson's shown length assumes.
const (
	DefaultReadingWPM = 400
	typicalReadingWPM = 200
	// A text lesson is done no sooner than minReadTime and never needs
	// more than maxReadTime, however long it is.
	minReadTime = 10 * time.Second
	maxReadTime = 15 * time.Minute
	// A file lesson's document is read outside the page (a PDF viewer or
	// a download), which the server cannot measure: it asks for this on
	// top of the lesson's own text.
	minFileTime = 30 * time.Second
	// fileMinutes is a file lesson's shown length when the trainer gives none.
	fileMinutes = 5
)

// TooEarlyError refuses a "done" that arrives before the lesson could have
// been read. Wait is how long is left.
type TooEarlyError struct {
	Lesson string
	Wait   time.Duration
}

func (e *TooEarlyError) Error() string {
	return fmt.Sprintf("lesson %s cannot be done yet; %d s to wait", e.Lesson, e.Seconds())
}

// Message asks the reader to wait.
func (e *TooEarlyError) Message() Msg { return msg("too_early", e.Seconds()) }

// Seconds is the wait rounded up to whole seconds, at least 1.
func (e *TooEarlyError) Seconds() int {
	return max(1, int(math.Ceil(e.Wait.Seconds())))
}

func wordCount(s string) int { return len(strings.Fields(s)) }

// MinimumTime is how long after first opening a lesson the server accepts
// "done" for it: its words at the credited reading speed, within bounds,
// plus a file's minimum. Video and quiz lessons complete otherwise (0).
func (s *Service) MinimumTime(l Lesson) time.Duration {
	if l.Kind != KindText && l.Kind != KindFile {
		return 0
	}
	read := time.Duration(float64(l.words()) / float64(s.opts.ReadingWPM) * float64(time.Minute))
	read = min(max(read, minReadTime), maxReadTime)
	if l.Kind == KindFile {
		read = min(read+minFileTime, maxReadTime)
	}
	return read.Round(time.Second)
}

// DoneWait is how much longer the learner must stay before "done" is
// accepted for a text or file lesson; 0 when it already is.
func (s *Service) DoneWait(l Lesson, p LessonProgress) time.Duration {
	if p.Done {
		return 0
	}
	opened := p.Opened
	if opened.IsZero() {
		opened = s.now()
	}
	return max(0, s.MinimumTime(l)-s.now().Sub(opened))
}

// autoMinutes is a lesson's length from its content: the video's running
// time, the text's words at a typical pace, a file's usual reading time.
// 0 when unknown.
func autoMinutes(l Lesson, a *Asset) int {
	read := func() int {
		if w := l.words(); w > 0 {
			return max(1, int(math.Ceil(float64(w)/typicalReadingWPM)))
		}
		return 0
	}
	switch l.Kind {
	case KindVideo:
		if a != nil && a.Duration > 0 {
			return max(1, int(math.Ceil(a.Duration/60)))
		}
	case KindText:
		return read()
	case KindFile:
		return fileMinutes + read()
	}
	return 0
}

// EffectiveMinutes is the length shown to learners: what the trainer set,
// or else what the content takes.
func (l Lesson) EffectiveMinutes() int {
	if l.Minutes > 0 {
		return l.Minutes
	}
	if l.AutoMinutes == 0 && l.Kind == KindText {
		return autoMinutes(l, nil) // a lesson saved before lengths were derived
	}
	return l.AutoMinutes
}

// TotalMinutes is the length of every lesson of the course.
func (c *Course) TotalMinutes() int {
	n := 0
	for _, l := range c.Lessons() {
		n += l.EffectiveMinutes()
	}
	return n
}

func intervalsTotal(ws [][2]float64) float64 {
	t := 0.0
	for _, w := range ws {
		t += w[1] - w[0]
	}
	return t
}

// subtractIntervals is what of ws (merged) lies outside have (merged).
func subtractIntervals(ws, have [][2]float64) [][2]float64 {
	var out [][2]float64
	for _, w := range ws {
		from := w[0]
		for _, h := range have {
			if h[1] <= from || h[0] >= w[1] {
				continue
			}
			if h[0] > from {
				out = append(out, [2]float64{from, h[0]})
			}
			from = max(from, h[1])
		}
		if from < w[1] {
			out = append(out, [2]float64{from, w[1]})
		}
	}
	return out
}

// creditIntervals adds the newly reported intervals to those already
// credited, earliest first, until the merged total reaches budget seconds.
// What does not fit is dropped: reported again later, when time allows,
// it is credited then. A repeated report adds nothing, so retries are
// harmless.
func creditIntervals(have, in [][2]float64, limit, budget float64) [][2]float64 {
	out := mergeIntervals(have, limit)
	for _, w := range subtractIntervals(mergeIntervals(in, limit), out) {
		next := mergeIntervals(append(slices.Clone(out), w), limit)
		if intervalsTotal(next) <= budget {
			out = next
			continue
		}
		// Merging may bridge a half-second gap on either side of the part
		// that fits, so leave room for both.
		if room := budget - intervalsTotal(out) - 1; room > 0 {
			out = mergeIntervals(append(out, [2]float64{w[0], w[0] + room}), limit)
		}
		break
	}
	return out
}

// watchBudget is how many seconds of video may be credited in all, given
// when the lesson was first opened.
func watchBudget(opened, now time.Time) float64 {
	return max(0, now.Sub(opened).Seconds())*MaxPlaybackRate + creditGrace.Seconds()
}
