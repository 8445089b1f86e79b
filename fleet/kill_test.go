//go:build unix

package fleet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// One instance is killed with SIGKILL while a part of an upload is
// streaming into it and while learners are saving quiz answers. The
// upload then resumes through the survivor (which knows every part that
// was acknowledged) and completes whole; no answer any instance
// acknowledged is missing from the submitted attempts. The instance is
// started again at the end, for the flows after this one.
var _ = Flow("instance killed mid-upload and mid-quiz", func(t *testing.T, f *Fleet) {
	const learnersN, questions = 24, 5
	victim, survivor := f.Instances[1], f.Instances[0]
	tr := f.NewUser(t, "trainer")
	course, module := f.Course(t, tr, "Tahan Banting Armada")
	quiz := f.Quiz(t, tr, course, module, questions, 50)
	f.Proxy.Must(t, 200, "POST", "/api/v1/courses/"+course+"/publish", tr, nil)
	learners := f.Learners(t, learnersN)

	// Every learner has an attempt open before anything dies.
	attempts := make([]string, len(learners))
	served := make([][]string, len(learners))
	for i, u := range learners {
		f.Proxy.Must(t, 201, "POST", "/api/v1/courses/"+course+"/enroll", u, nil)
		at := f.Proxy.Must(t, 201, "POST", "/api/v1/quizzes/"+quiz+"/attempts", u, nil)
		attempts[i] = at["id"].(string)
		for _, q := range at["questions"].([]any) {
			served[i] = append(served[i], q.(map[string]any)["id"].(string))
		}
	}

	// An upload of five parts: 1 to a, 2 to b, 3 to a, acknowledged.
	up := f.CreateUpload(t, tr, course, "rekaman.mp4", mp4(4*8<<20+54321, 4))
	for n := 1; n <= 3; n++ {
		up.Put(t, f.Instances[(n-1)%2].Client, n)
	}

	// The learners answer, a little apart, through the proxy; whatever
	// fails they send again until some instance acknowledges it.
	acked := make([]map[string]string, len(learners))
	var saves atomic.Int64
	var errs errList
	var wg sync.WaitGroup
	for i, u := range learners {
		acked[i] = map[string]string{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			for _, qid := range served[i] {
				time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
				ans := answerOf(i, qid)
				_, err := retry(context.Background(), f.Proxy, "PUT", "/api/v1/attempts/"+attempts[i]+"/answers",
					Req{Token: u.Token, IP: u.IP, Body: map[string]any{"answers": map[string]any{qid: ans}}}, 200)
				if err != nil {
					errs.add("learner %d, %s: %v", i, qid, err)
					continue
				}
				acked[i][qid] = ans
				saves.Add(1)
			}
		}()
	}

	// Part 4 starts streaming into the victim; once a third of the
	// answers are in and the part is half sent, the victim is killed.
	half := make(chan struct{})
	killed := make(chan struct{})
	part4 := make(chan error, 1)
	go func() {
		body := &stallingReader{r: bytes.NewReader(up.Part(4)), after: int64(len(up.Part(4)) / 2), reached: half, wait: killed}
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/uploads/%s/parts/4", victim.Base, up.ID), body)
		req.ContentLength = int64(len(up.Part(4)))
		req.Header.Set("Authorization", "Bearer "+tr.Token)
		res, err := f.hc.Do(req)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			err = fmt.Errorf("answered %d before the kill: %.300s", res.StatusCode, b)
			if res.StatusCode == 200 {
				err = fmt.Errorf("part 4 acknowledged by an instance killed while receiving it")
			}
			part4 <- err
			return
		}
		part4 <- nil
	}()
	<-half
	for saves.Load() < learnersN*questions/3 {
		time.Sleep(20 * time.Millisecond)
	}
	victim.Kill(t)
	close(killed)
	t.Logf("instance %s killed after %d of %d answers", victim.Name, saves.Load(), learnersN*questions)
	if err := <-part4; err != nil {
		t.Fatalf("part 4, streaming into the killed instance: %v", err)
	}

	// The upload resumes through the survivor: it knows parts 1-3 (all
	// acknowledged, two of them by the dead instance), the rest is sent.
	got := up.Received(t, f.Proxy)
	for _, n := range []int{1, 2, 3} {
		if !slices.Contains(got, n) {
			t.Fatalf("after the kill, received parts %v lack acknowledged part %d", got, n)
		}
	}
	for n := 1; n <= up.Parts; n++ {
		if !slices.Contains(got, n) {
			up.Put(t, f.Proxy, n)
		}
	}
	asset := up.Complete(t, f.Proxy)
	f.CheckMedia(t, tr, asset, up.Data)

	wg.Wait()
	errs.check(t)
	// Every acknowledged answer is in the submitted attempt, graded.
	for i, u := range learners {
		res, err := retry(context.Background(), survivor.Client, "POST", "/api/v1/attempts/"+attempts[i]+"/submit", Req{Token: u.Token, IP: u.IP}, 200)
		if err != nil {
			t.Fatalf("learner %d: submit: %v", i, err)
		}
		if r := res.JSON(); r["score"] != float64(expectedScore(i, questions)) {
			t.Errorf("learner %d: score %v, want %d", i, r["score"], expectedScore(i, questions))
		}
		at := f.Proxy.Must(t, 200, "GET", "/api/v1/attempts/"+attempts[i], u, nil)
		answers := at["answers"].(map[string]any)
		for qid, ans := range acked[i] {
			if answers[qid] != ans {
				t.Errorf("learner %d: acknowledged answer %s=%s, the attempt has %v", i, qid, ans, answers[qid])
			}
		}
		if len(acked[i]) != questions {
			t.Errorf("learner %d: %d of %d answers acknowledged", i, len(acked[i]), questions)
		}
	}

	victim.Restart(t)
	for range 4 { // both instances answer through the proxy again
		f.Proxy.Must(t, 200, "GET", "/api/v1/me", tr, nil)
	}
})

// stallingReader reads r, but once after bytes are read it signals
// reached and blocks until wait is closed: a part half-streamed when its
// instance dies.
type stallingReader struct {
	r       io.Reader
	after   int64
	n       int64
	reached chan struct{}
	wait    chan struct{}
	once    sync.Once
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.n >= s.after {
		s.once.Do(func() { close(s.reached); <-s.wait })
	}
	if room := s.after - s.n; room > 0 && int64(len(p)) > room {
		p = p[:room]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	return n, err
}

// Parts of one upload arrive out of order, alternating between the
// instances, the last part first... the first part last: the issue's
// second reproduction. Before the scale branch, each instance held the
// parts ahead of its own hash chain in memory (up to four per upload),
// the fifth waited the full chain wait (10 s) for a chain another
// instance's memory held up, and the held parts stayed stranded for 15
// minutes. After it, no part waits on another instance.
var _ = Flow("upload parts out of order across instances", func(t *testing.T, f *Fleet) {
	tr := f.NewUser(t, "trainer")
	course, _ := f.Course(t, tr, "Unggahan Acak Armada")
	up := f.CreateUpload(t, tr, course, "acak.mp4", mp4(10*8<<20+777, 4))
	order := append(seq(2, up.Parts), 1)
	var slowest time.Duration
	slowPart := 0
	for i, n := range order {
		if d := up.Put(t, f.Instances[i%2].Client, n); d > slowest {
			slowest, slowPart = d, n
		}
	}
	t.Logf("%d parts, slowest part %d took %v", up.Parts, slowPart, slowest.Round(time.Millisecond))
	if slowest > 5*time.Second {
		t.Errorf("part %d took %v: it waited on state another instance holds", slowPart, slowest.Round(time.Millisecond))
	}
	asset := up.Complete(t, f.Proxy)
	f.CheckMedia(t, tr, asset, up.Data)
})

func seq(from, to int) []int {
	var out []int
	for n := from; n <= to; n++ {
		out = append(out, n)
	}
	return out
}
