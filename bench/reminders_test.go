package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs/sqlite"
)

// BenchmarkReminderPass: the reminder pass over 100,000 open assignee
// records (20,000 people with an address and an atasan, five assignments
// each, due dates spread evenly over 30 days either side of now), on the
// embedded store, in process: the domain's work, no HTTP. The pass runs,
// then runs again at the same moment: the second must create nothing.
// Figures: each run's seconds, records read and notifications created.
func BenchmarkReminderPass(b *testing.B) {
	const people, perPerson = 20_000, 5
	ctx := context.Background()
	d, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "k.db"), content.Schemas())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	s, err := content.New(d, nil, content.Options{Mail: true})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	seedStart := time.Now()
	nip := func(i int) string { return fmt.Sprintf("19900101%06d%04d", 201500+i/10000, i%10000) }
	for i := range people {
		boss := nip(i - i%20) // one atasan per twenty, who has the next one's
		if i%20 == 0 {
			boss = nip((i + 20) % people)
		}
		u := content.User{NIP: nip(i), Name: fmt.Sprintf("Pegawai %d", i), Email: fmt.Sprintf("p%d@kota.go.id", i),
			Unit: fmt.Sprintf("unit-%d", i%50), Roles: []string{content.RoleLearner}, SupervisorNIP: boss}
		if err := d.C("users").Insert(ctx, u.NIP, &u); err != nil {
			b.Fatal(err)
		}
	}
	span := 60 * 24 * time.Hour
	n := people * perPerson
	for i := range n {
		a := content.Assignee{Assignment: fmt.Sprintf("as%d", i%perPerson), User: nip(i / perPerson), Unit: "unit",
			Course: "kursus", Title: "Kursus Wajib", Assigned: now.Add(-90 * 24 * time.Hour), Open: true,
			Due: now.Add(-span/2 + span/time.Duration(n)*time.Duration(i))}
		if err := d.C("assignees").Insert(ctx, a.Assignment+"~"+a.User, &a); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d people and %d assignee records in %s", people, n, time.Since(seedStart).Round(time.Second))
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		first, err := s.RemindAssignees(ctx)
		if err != nil {
			b.Fatal(err)
		}
		firstS := time.Since(t0).Seconds()
		t1 := time.Now()
		second, err := s.RemindAssignees(ctx)
		if err != nil {
			b.Fatal(err)
		}
		secondS := time.Since(t1).Seconds()
		if second.Created != 0 {
			b.Errorf("second run created %d notifications", second.Created)
		}
		b.ReportMetric(firstS, "first_s")
		b.ReportMetric(float64(first.Checked), "first_read")
		b.ReportMetric(float64(first.Created), "first_created")
		b.ReportMetric(secondS, "second_s")
		b.ReportMetric(float64(second.Checked), "second_read")
		b.ReportMetric(float64(second.Created), "second_created")
	}
}
