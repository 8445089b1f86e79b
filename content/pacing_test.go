package content

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestCreditIntervalsStaysWithinBudget(t *testing.T) {
	cases := []struct {
		name         string
		have, in     [][2]float64
		limit, budg  float64
		want         float64 // credited total
		wantPrefixTo float64 // the credit is [0, wantPrefixTo] when > 0
	}{
		{"all fits", nil, [][2]float64{{0, 10}}, 100, 20, 10, 10},
		{"claim of a day, 5 s budget", nil, [][2]float64{{0, 86400}}, 20, 5, 4, 4},
		{"unknown length", nil, [][2]float64{{0, 86400}}, 0, 25, 24, 24},
		{"already credited adds nothing", [][2]float64{{0, 10}}, [][2]float64{{0, 10}}, 100, 10, 10, 10},
		{"new part after the old", [][2]float64{{0, 10}}, [][2]float64{{10, 30}}, 100, 20, 19, 19},
		{"over budget already keeps what it has", [][2]float64{{0, 10}}, [][2]float64{{20, 30}}, 100, 5, 10, 10},
	}
	for _, c := range cases {
		got := creditIntervals(c.have, c.in, c.limit, c.budg)
		if tot := intervalsTotal(got); math.Abs(tot-c.want) > 1e-9 {
			t.Errorf("%s: credited %v (%.2f s), want %.2f s", c.name, got, tot, c.want)
		}
		if c.wantPrefixTo > 0 && (len(got) != 1 || got[0][0] != 0 || math.Abs(got[0][1]-c.wantPrefixTo) > 1e-9) {
			t.Errorf("%s: credited %v, want [[0 %g]]", c.name, got, c.wantPrefixTo)
		}
	}
}

// Merging bridges gaps under half a second; slivers spaced just under it
// must not turn a small budget into a whole video.
func TestCreditIntervalsSliversDoNotAmplify(t *testing.T) {
	var in [][2]float64
	for x := 0.0; x < 600; x += 0.49 {
		in = append(in, [2]float64{x, x + 0.01})
	}
	for _, budget := range []float64{5, 17, 60} {
		got := creditIntervals(nil, in[:min(len(in), 500)], 600, budget)
		if tot := intervalsTotal(got); tot > budget {
			t.Errorf("budget %g: credited %.2f s from slivers", budget, tot)
		}
	}
}

func TestSubtractIntervals(t *testing.T) {
	got := subtractIntervals([][2]float64{{0, 10}, {20, 30}}, [][2]float64{{2, 4}, {8, 22}, {29, 40}})
	if fmt.Sprint(got) != "[[0 2] [4 8] [22 29]]" {
		t.Errorf("got %v", got)
	}
}

func TestMinimumTime(t *testing.T) {
	s := &Service{opts: Options{ReadingWPM: 400}}
	words := func(n int) string { return strings.Repeat("kata ", n) }
	cases := []struct {
		l    Lesson
		want time.Duration
	}{
		{Lesson{Kind: KindText, Body: "Singkat."}, 10 * time.Second},    // the floor
		{Lesson{Kind: KindText, Body: words(800)}, 2 * time.Minute},     // 800 words at 400 a minute
		{Lesson{Kind: KindText, Body: words(40_000)}, 15 * time.Minute}, // the cap
		{Lesson{Kind: KindFile, Body: ""}, 40 * time.Second},            // floor plus the file's 30 s
		{Lesson{Kind: KindFile, Body: words(40_000)}, 15 * time.Minute}, // still capped
		{Lesson{Kind: KindVideo, Body: words(800)}, 0},                  // video counts watching
		{Lesson{Kind: KindQuiz}, 0},                                     // quizzes complete by passing
	}
	for _, c := range cases {
		if got := s.MinimumTime(c.l); got != c.want {
			t.Errorf("%s of %d words: %v, want %v", c.l.Kind, wordCount(c.l.Body), got, c.want)
		}
	}
	slow := &Service{opts: Options{ReadingWPM: 100}}
	if got := slow.MinimumTime(Lesson{Kind: KindText, Body: words(800)}); got != 8*time.Minute {
		t.Errorf("at 100 words a minute: %v, want 8m", got)
	}
}

func TestEffectiveMinutes(t *testing.T) {
	text := Lesson{Kind: KindText, Body: strings.Repeat("kata ", 450)}
	if got := autoMinutes(text, nil); got != 3 {
		t.Errorf("450 words: %d min, want 3", got)
	}
	if got := autoMinutes(Lesson{Kind: KindVideo}, &Asset{Duration: 61}); got != 2 {
		t.Errorf("61 s video: %d min, want 2", got)
	}
	if got := autoMinutes(Lesson{Kind: KindVideo}, &Asset{}); got != 0 {
		t.Errorf("video of unknown length: %d min, want 0", got)
	}
	if got := autoMinutes(Lesson{Kind: KindFile}, nil); got != fileMinutes {
		t.Errorf("file: %d min, want %d", got, fileMinutes)
	}
	// Set minutes win; a text saved before lengths were derived still has one.
	if got := (Lesson{Kind: KindText, Minutes: 9, AutoMinutes: 3}).EffectiveMinutes(); got != 9 {
		t.Errorf("set minutes: %d, want 9", got)
	}
	if got := text.EffectiveMinutes(); got != 3 {
		t.Errorf("old text lesson: %d, want 3", got)
	}
}
