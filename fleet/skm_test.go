package fleet

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// Citizens' feedback through both instances: each response takes its
// one-time token from one instance and is sent to the other, from an
// address of its own, all at once. The service's aggregate (folded by
// whichever instance holds the lease) counts every response exactly once.
var _ = Flow("skm: responses at both instances counted once", func(t *testing.T, f *Fleet) {
	const responses = 40
	admin := f.Admin
	f.Proxy.Must(t, 200, "PUT", "/api/v1/units/LAYANAN", admin, map[string]any{"name": "Dinas Layanan Armada"})
	svc := f.Proxy.Must(t, 201, "POST", "/api/v1/services", admin, map[string]any{"unit": "LAYANAN", "name": "Loket KTP Armada"})
	id := svc["id"].(string)

	var wg sync.WaitGroup
	var errs errList
	want := [9]float64{}
	for i := range responses {
		scores := map[string]int{}
		for e := range 9 {
			v := 1 + (i+e)%4
			if e == 2 || e == 5 { // U3 and U6 low, as the seed's story has it
				v = 1 + i%2
			}
			scores[fmt.Sprintf("u%d", e+1)] = v
			want[e] += float64(v) / responses
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			ip := fmt.Sprintf("10.77.%d.%d", i/200, i%200+1)
			from, to := f.Instances[i%2].Client, f.Instances[(i+1)%2].Client
			res, err := from.Do(ctx, "GET", "/api/v1/public/services/"+id, Req{IP: ip})
			if err != nil || res.Status != 200 {
				errs.add("response %d: token: %v %v", i, err, res)
				return
			}
			tok := res.JSON()["token"]
			res, err = to.Do(ctx, "POST", "/api/v1/public/services/"+id+"/responses", Req{IP: ip,
				Body: map[string]any{"scores": scores, "comment": fmt.Sprint("Tanggapan ", i), "token": tok}})
			if err != nil || res.Status != 201 {
				errs.add("response %d: %v %d %.200s", i, err, res.Status, res.Body)
			}
		}()
	}
	wg.Wait()
	errs.check(t)

	var r map[string]any
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		r = f.Proxy.Must(t, 200, "GET", "/api/v1/services/"+id+"/skm", admin, nil)
		if fmt.Sprint(r["responses"]) == fmt.Sprint(responses) || time.Now().After(deadline) {
			break
		}
	}
	if fmt.Sprint(r["responses"]) != fmt.Sprint(responses) {
		t.Fatalf("the aggregate counts %v responses, want %d", r["responses"], responses)
	}
	els := r["elements"].(map[string]any)
	for e := range 9 {
		if got := els[fmt.Sprintf("u%d", e+1)].(float64); math.Abs(got-want[e]) > 0.006 {
			t.Errorf("u%d mean %v, want %.2f", e+1, got, want[e])
		}
	}
	// A while later, with both instances still folding: nothing counted twice.
	time.Sleep(5 * time.Second)
	if r := f.Proxy.Must(t, 200, "GET", "/api/v1/services/"+id+"/skm", admin, nil); fmt.Sprint(r["responses"]) != fmt.Sprint(responses) {
		t.Fatalf("later the aggregate counts %v responses", r["responses"])
	}
	t.Logf("%d responses through both instances; IKM %v, grade %v", responses, r["ikm"], r["grade"])
})
