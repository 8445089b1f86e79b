package content

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

func skmSetup(t *testing.T, s *Service) (User, PublicService) {
	t.Helper()
	ctx := context.Background()
	admin := User{NIP: "198501012010011001", Name: "Admin", Roles: []string{RoleAdmin}}
	if _, err := s.PutUnit(ctx, admin, "DUKCAPIL", UnitInput{Name: "Dinas Kependudukan"}); err != nil {
		t.Fatal(err)
	}
	ps, err := s.CreatePublicService(ctx, admin, ServiceInput{Unit: "DUKCAPIL", Name: "Perekaman KTP-el"})
	if err != nil {
		t.Fatal(err)
	}
	return admin, ps
}

func allScores(v ...int) map[string]int {
	m := map[string]int{}
	for i, c := range ikm.Codes {
		m[c] = v[i%len(v)]
	}
	return m
}

func submitOK(t *testing.T, s *Service, svc, client string, scores map[string]int, comment string) {
	t.Helper()
	ctx := context.Background()
	tok, err := s.SKMFormToken(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitSKM(ctx, SKMSubmission{Service: svc, Scores: scores, Comment: comment, Token: tok, Client: client}); err != nil {
		t.Fatal(err)
	}
}

func countResponses(t *testing.T, s *Service) int64 {
	t.Helper()
	n, err := s.docs.C(collSKMResponses).Count(context.Background(), docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldWaiting}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.docs.C(collSKMResponses).Count(context.Background(), docs.Query{Where: []docs.Eq{{Field: "fold", Value: foldCounted}}})
	if err != nil {
		t.Fatal(err)
	}
	return n + m
}

// TestSKMSubmitRefusesBadInput: every bad field is named and nothing is
// written; a filled honeypot gets a receipt and writes nothing either.
func TestSKMSubmitRefusesBadInput(t *testing.T) {
	s := newTestService(t)
	_, ps := skmSetup(t, s)
	ctx := context.Background()
	tok, _ := s.SKMFormToken(ctx, ps.ID)
	other, _ := s.SKMFormToken(ctx, "another")
	missing := allScores(3)
	delete(missing, "u4")
	cases := []struct {
		name  string
		in    SKMSubmission
		field string
	}{
		{"score 5", SKMSubmission{Scores: allScores(3, 5), Token: tok}, "scores.u2"},
		{"score 0", SKMSubmission{Scores: allScores(3, 0), Token: tok}, "scores.u2"},
		{"missing element", SKMSubmission{Scores: missing, Token: tok}, "scores.u4"},
		{"unknown element", SKMSubmission{Scores: map[string]int{"u1": 1, "u2": 1, "u3": 1, "u4": 1, "u5": 1, "u6": 1, "u7": 1, "u8": 1, "u9": 1, "x0": 2}, Token: tok}, "scores.x0"},
		{"1 MB comment", SKMSubmission{Scores: allScores(3), Comment: strings.Repeat("a", 1<<20), Token: tok}, "comment"},
		{"script", SKMSubmission{Scores: allScores(3), Comment: "bagus <script>alert(1)</script>", Token: tok}, "comment"},
		{"tag", SKMSubmission{Scores: allScores(3), Comment: "<img src=x onerror=alert(1)>", Token: tok}, "comment"},
		{"no token", SKMSubmission{Scores: allScores(3)}, "token"},
		{"forged token", SKMSubmission{Scores: allScores(3), Token: tok[:len(tok)-2] + "xx"}, "token"},
		{"other service's token", SKMSubmission{Scores: allScores(3), Token: other}, "token"},
		{"age band", SKMSubmission{Scores: allScores(3), Token: tok, Respondent: Respondent{Age: "99"}}, "respondent.age"},
		{"sex", SKMSubmission{Scores: allScores(3), Token: tok, Respondent: Respondent{Sex: "x"}}, "respondent.sex"},
		{"education", SKMSubmission{Scores: allScores(3), Token: tok, Respondent: Respondent{Education: "phd"}}, "respondent.education"},
	}
	for _, c := range cases {
		c.in.Service, c.in.Client = ps.ID, "10.0.0.1"
		_, err := s.SubmitSKM(ctx, c.in)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v, want a validation error", c.name, err)
			continue
		}
		if _, ok := ve.Fields[c.field]; !ok {
			t.Errorf("%s: fields %v, want %s", c.name, ve.Fields, c.field)
		}
	}
	if _, err := s.SubmitSKM(ctx, SKMSubmission{Service: ps.ID, Scores: allScores(3), Token: tok, Honeypot: "http://spam", Client: "10.0.0.1"}); err != nil {
		t.Fatalf("honeypot: %v", err)
	}
	if n := countResponses(t, s); n != 0 {
		t.Fatalf("%d responses written", n)
	}
	// "a < b" is text, not markup.
	if _, err := s.SubmitSKM(ctx, SKMSubmission{Service: ps.ID, Scores: allScores(3), Comment: "antre < 10 menit", Token: tok, Client: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	// Expired: three hours and more after the form was shown.
	s.SetClock(func() time.Time { return time.Now().Add(4 * time.Hour) })
	tok2, _ := s.SKMFormToken(ctx, ps.ID)
	s.SetClock(func() time.Time { return time.Now().Add(8 * time.Hour) })
	_, err := s.SubmitSKM(ctx, SKMSubmission{Service: ps.ID, Scores: allScores(3), Token: tok2, Client: "10.0.0.1"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["token"].Code != "skm.token_expired" {
		t.Fatalf("expired token: %v", err)
	}
}

// TestSKMTokenSingleUse: a token's second use is refused, naming the token.
func TestSKMTokenSingleUse(t *testing.T) {
	s := newTestService(t)
	_, ps := skmSetup(t, s)
	ctx := context.Background()
	tok, _ := s.SKMFormToken(ctx, ps.ID)
	in := SKMSubmission{Service: ps.ID, Scores: allScores(4), Token: tok, Client: "10.0.0.2"}
	if _, err := s.SubmitSKM(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Client = "10.0.0.3"
	_, err := s.SubmitSKM(ctx, in)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["token"].Code != "skm.token_used" {
		t.Fatalf("replay: %v", err)
	}
	if n := countResponses(t, s); n != 1 {
		t.Fatalf("%d responses", n)
	}
}

// TestSKMLimits: an address, then a service, is refused in its window
// with the wait until the next; the next window takes responses again.
func TestSKMLimits(t *testing.T) {
	s := newTestService(t)
	s.opts.SKMLimits = SKMLimits{PerAddress: 3, PerService: 5, Window: 10 * time.Minute}
	_, ps := skmSetup(t, s)
	ctx := context.Background()
	base := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return base })
	for range 3 {
		submitOK(t, s, ps.ID, "10.0.0.1", allScores(3), "")
	}
	tok, _ := s.SKMFormToken(ctx, ps.ID)
	_, err := s.SubmitSKM(ctx, SKMSubmission{Service: ps.ID, Scores: allScores(3), Token: tok, Client: "10.0.0.1"})
	var le *LimitedError
	if !errors.As(err, &le) || !errors.Is(err, ErrSKMLimited) || le.RetryAfter <= 0 || le.RetryAfter > 10*time.Minute+time.Second {
		t.Fatalf("4th from one address: %v", err)
	}
	submitOK(t, s, ps.ID, "10.0.0.2", allScores(3), "")
	submitOK(t, s, ps.ID, "10.0.0.3", allScores(3), "")
	if _, err := s.SubmitSKM(ctx, SKMSubmission{Service: ps.ID, Scores: allScores(3), Token: tok, Client: "10.0.0.4"}); !errors.As(err, &le) {
		t.Fatalf("6th to the service: %v", err)
	}
	if n := countResponses(t, s); n != 5 {
		t.Fatalf("%d responses, want 5", n)
	}
	s.SetClock(func() time.Time { return base.Add(11 * time.Minute) })
	submitOK(t, s, ps.ID, "10.0.0.1", allScores(3), "")
	// The fold's sweep removes the past window's counters.
	s.SetClock(func() time.Time { return base.Add(30 * time.Minute) })
	if _, err := s.FoldSKM(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.docs.C(collSKMLimits).Count(ctx, docs.Query{Range: &docs.Range{Field: "expires", Gt: time.Unix(0, 0)}}); n != 0 {
		t.Fatalf("%d limit counters left", n)
	}
}

// recount adds the raw responses of a service up, as the aggregates
// should have.
func recount(t *testing.T, s *Service, svc string) map[string]ikm.Sums {
	t.Helper()
	out := map[string]ikm.Sums{}
	q := docs.Query{Where: []docs.Eq{{Field: "service", Value: svc}}, Sort: "at", Limit: 500}
	for {
		rs, next, err := docs.FindAll[SKMResponse](context.Background(), s.docs.C(collSKMResponses), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			m := out[r.Month]
			m.Add(r.Scores)
			out[r.Month] = m
		}
		if next == "" {
			return out
		}
		q.After = next
	}
}

func aggregates(t *testing.T, s *Service, svc string) map[string]ikm.Sums {
	t.Helper()
	ms, _, err := docs.FindAll[skmMonth](context.Background(), s.docs.C(collSKMMonths),
		docs.Query{Where: []docs.Eq{{Field: "service", Value: svc}}, Sort: "month"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ikm.Sums{}
	for _, m := range ms {
		out[m.Month] = m.Sums
	}
	return out
}

// TestSKMAggregatesTwoInstances: responses sent through two Services on
// one store while both fold, across a month's end, are each counted once:
// the aggregates equal a recount of the raw responses.
func TestSKMAggregatesTwoInstances(t *testing.T) {
	a := newTestService(t)
	a.opts.SKMLimits = SKMLimits{PerAddress: 1000, PerService: 100000, Window: time.Hour}
	b, err := New(a.docs, nil, Options{SKMLimits: a.opts.SKMLimits})
	if err != nil {
		t.Fatal(err)
	}
	_, ps := skmSetup(t, a)
	ctx := context.Background()
	end := time.Date(2026, 3, 31, 16, 59, 59, 0, time.UTC) // 23:59:59 WIB
	var tick sync.Mutex
	n := 0
	clock := func() time.Time {
		tick.Lock()
		defer tick.Unlock()
		n++
		return end.Add(time.Duration(n) * 5 * time.Millisecond)
	}
	a.SetClock(clock)
	b.SetClock(clock)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w := range 8 {
		svc := a
		if w%2 == 1 {
			svc = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				tok, err := svc.SKMFormToken(ctx, ps.ID)
				if err == nil {
					_, err = svc.SubmitSKM(ctx, SKMSubmission{Service: ps.ID, Scores: allScores(1+(w+i)%4, 1+i%4, 2), Token: tok,
						Client: fmt.Sprintf("10.1.%d.%d", w, i)})
				}
				if err != nil {
					errs <- err
				}
				if i%5 == 0 {
					if _, err := svc.FoldSKM(ctx); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, svc := range []*Service{a, b, a} {
		if _, err := svc.FoldSKM(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want, got := recount(t, a, ps.ID), aggregates(t, a, ps.ID)
	if len(want) != 2 {
		t.Fatalf("months %v, want March and April", len(want))
	}
	total := 0
	for m, w := range want {
		if got[m] != w {
			t.Errorf("%s: aggregate %+v\nrecount %+v", m, got[m], w)
		}
		total += w.Responses
	}
	if total != 200 {
		t.Fatalf("%d responses, want 200", total)
	}
	if w, _ := a.SKMWaiting(ctx); w != 0 {
		t.Fatalf("%d still waiting", w)
	}
}

// TestSKMFoldCrashCountsOnce: a fold that stops after the aggregate's
// write (before marking the responses) is finished by the next run without
// counting anything twice.
func TestSKMFoldCrashCountsOnce(t *testing.T) {
	s := newTestService(t)
	_, ps := skmSetup(t, s)
	ctx := context.Background()
	for i := range 4 {
		submitOK(t, s, ps.ID, fmt.Sprintf("10.0.0.%d", i), allScores(1+i), "")
	}
	crashed := false
	skmFoldCrash = func() bool {
		if crashed {
			return false
		}
		crashed = true
		return true
	}
	t.Cleanup(func() { skmFoldCrash = nil })
	if _, err := s.FoldSKM(ctx); !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("first fold: %v", err)
	}
	if w, _ := s.SKMWaiting(ctx); w != 4 {
		t.Fatalf("%d waiting after the crash, want 4", w)
	}
	if _, err := s.FoldSKM(ctx); err != nil {
		t.Fatal(err)
	}
	want, got := recount(t, s, ps.ID), aggregates(t, s, ps.ID)
	for m, w := range want {
		if got[m] != w || w.Responses != 4 {
			t.Fatalf("%s: aggregate %+v, recount %+v", m, got[m], w)
		}
	}
	if w, _ := s.SKMWaiting(ctx); w != 0 {
		t.Fatalf("%d waiting", w)
	}
}

// TestSKMResultsByHand: two responses whose figures are worked out by
// hand: U1 (4+3)/2 = 3.5, U3 and U6 (2+3)/2 = 2.5, the other six 3.5; IKM
// = (7 × 3.5 + 2 × 2.5) / 9 × 25 = 81.94, grade B; U3 and U6 weakest.
func TestSKMResultsByHand(t *testing.T) {
	s := newTestService(t)
	admin, ps := skmSetup(t, s)
	ctx := context.Background()
	s.SetClock(func() time.Time { return time.Date(2026, 2, 14, 3, 0, 0, 0, time.UTC) })
	submitOK(t, s, ps.ID, "10.0.0.1", map[string]int{"u1": 4, "u2": 4, "u3": 2, "u4": 4, "u5": 4, "u6": 2, "u7": 4, "u8": 4, "u9": 4}, "Antrean lama")
	submitOK(t, s, ps.ID, "10.0.0.2", allScores(3), "")
	if _, err := s.FoldSKM(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := s.ParseSKMRange("2026-01", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	_, rep, err := s.SKMServiceResults(ctx, admin, ps.ID, r)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Responses != 2 || math.Abs(rep.IKM-81.94) > 1e-9 || rep.Grade != "B" || rep.Label != "Baik" {
		t.Fatalf("report %d %v %s %s", rep.Responses, rep.IKM, rep.Grade, rep.Label)
	}
	if rep.Elements[0].Mean != 3.5 || rep.Elements[2].Mean != 2.5 || rep.Elements[2].Dist != [4]int{0, 1, 1, 0} {
		t.Fatalf("elements %+v", rep.Elements)
	}
	if rep.Weakest[0] != "u3" || rep.Weakest[1] != "u6" {
		t.Fatalf("weakest %v", rep.Weakest)
	}
	if len(rep.Months) != 1 || rep.Months[0].Key != "2026-02" || len(rep.Quarters) != 1 || rep.Quarters[0].Key != "2026-Q1" {
		t.Fatalf("periods %+v %+v", rep.Months, rep.Quarters)
	}
	cs, _, err := s.SKMComments(ctx, admin, ps.ID, "", 10)
	if err != nil || len(cs) != 1 || cs[0].Comment != "Antrean lama" {
		t.Fatalf("comments %v %v", cs, err)
	}
	// Someone of another unit may not read it.
	if _, _, err := s.SKMServiceResults(ctx, User{NIP: "199203152015031003", Unit: "DINKES"}, ps.ID, r); !errors.Is(err, ErrForbidden) {
		t.Fatalf("other unit: %v", err)
	}
	// Its own unit's staff may, and the unit's report rolls the service up.
	staff := User{NIP: "199203152015031003", Unit: "DUKCAPIL"}
	_, urep, err := s.SKMUnitResults(ctx, staff, "DUKCAPIL", r)
	if err != nil || urep.Responses != 2 || len(urep.Services) != 1 || urep.Services[0].Name != ps.Name {
		t.Fatalf("unit report %+v %v", urep, err)
	}
}
