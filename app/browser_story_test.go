package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kotalama/kompeten/content"
)

// TestBrowserSeedStory plays the loop of the document the project started
// from, in the browser, end to end: citizens rate a service low on U3
// (waktu) and U6 (kompetensi pelaksana); the needs dashboard shows the
// unit at grade C with those elements; the admin assigns the recommended
// course with a mentor to the unit's ASN; one of them completes it,
// evaluates it and confirms a mentoring session; their JP and the unit's
// report show it.
func TestBrowserSeedStory(t *testing.T) {
	e := newEnv(t, nil)
	svc := e.app.Service()
	ctx := context.Background()
	admin, err := svc.User(ctx, adminNIP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutUnit(ctx, admin, "DISDUK", content.UnitInput{Name: "Dinas Kependudukan"}); err != nil {
		t.Fatal(err)
	}
	const asnNIP, asn2NIP, mentorNIP = "199203152019031004", "199305202019032005", "198107082006041003"
	for _, u := range []content.NewUser{
		{NIP: asnNIP, Name: "Rina Petugas Loket", Unit: "DISDUK", Position: "Pengadministrasi", Password: testPass},
		{NIP: asn2NIP, Name: "Dodi Petugas Arsip", Unit: "DISDUK", Position: "Pengadministrasi", Password: testPass},
		{NIP: mentorNIP, Name: "Hendra Mentor", Unit: "DISDUK", Roles: []string{content.RoleMentor}, Password: testPass},
	} {
		if _, err := svc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	trainer, _ := svc.User(ctx, trainerNIP)
	title, tags, jp := "Pelayanan Cepat dan Kompeten", []string{"manajemen-waktu", "kompetensi-teknis"}, 4
	c, err := svc.CreateCourse(ctx, trainer, content.CourseInput{Title: &title, Category: ptrTo("Teknis"), JP: &jp, Competencies: &tags})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddModule(ctx, trainer, c.ID, content.ModuleInput{Title: "Modul 1"})
	if err != nil {
		t.Fatal(err)
	}
	lesson, err := svc.AddLesson(ctx, trainer, c.ID, m.ID, content.LessonInput{Title: ptrTo("Antrean yang tertib"), Kind: ptrTo(content.KindText),
		Body: ptrTo("Atur antrean, tetapkan waktu layanan, dan kuasai prosedur.")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, trainer, c.ID, content.StatusPublished); err != nil {
		t.Fatal(err)
	}
	ps, err := svc.CreatePublicService(ctx, admin, content.ServiceInput{Unit: "DISDUK", Name: "Loket KTP"})
	if err != nil {
		t.Fatal(err)
	}
	base := e.serve(t)
	shots := func(bctx context.Context, name string) {
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(filepath.Join(shotDir(t), "story-"+name+".png"), png, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
	do := func(bctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(bctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}

	// 1. Citizens rate the KTP counter: most elements fine, waiting time
	// (U3) and staff competence (U6) poor.
	citizen := newBrowserFor(t, 4*time.Minute)
	do(citizen, "phone size", chromedp.EmulateViewport(390, 844))
	for i := range 3 {
		var clicks []chromedp.Action[chromedp.Void]
		for e := 1; e <= 9; e++ {
			v := 3
			if e == 3 || e == 6 {
				v = 2
			}
			if e == 1 && i == 0 {
				v = 4
			}
			clicks = append(clicks, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="scores.u%d"][value="%d"]`, e, v))))
		}
		do(citizen, "open the service page", chromedp.Navigate(base+"/layanan/"+ps.ID), chromedp.WaitVisible(chromedp.CSS(`[data-testid=skm-form]`)))
		do(citizen, "rate", clicks...)
		do(citizen, "comment", chromedp.SendKeys(chromedp.CSS("#comment"), "Antre terlalu lama, petugas belum paham prosedur."))
		if i == 0 {
			shots(citizen, "1-citizen-form")
		}
		do(citizen, "send", chromedp.Click(chromedp.CSS(`[data-testid=skm-form] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=skm-thanks]`)))
	}
	shots(citizen, "2-citizen-thanks")
	// The server's job counts responses in every 2 s; this counts the rest now.
	if _, err := svc.FoldSKM(ctx); err != nil {
		t.Fatal(err)
	}
	if r := mustStatus(t, e.api("GET", "/api/v1/services/"+ps.ID+"/skm", e.token(adminNIP), nil), 200, "skm"); r["responses"] != float64(3) {
		t.Fatalf("results: %v", r)
	}

	// 2. The needs dashboard shows the unit at grade C, U3 and U6 weakest,
	// and recommends the course tagged for them.
	adm := newBrowserFor(t, 4*time.Minute)
	do(adm, "desktop", chromedp.EmulateViewport(1280, 900))
	chromeLogin(t, adm, base, adminNIP)
	year := svc.CurrentYear()
	do(adm, "needs", chromedp.Navigate(fmt.Sprintf("%s/admin/needs?unit=DISDUK&year=%d", base, year)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=needs-summary]`)))
	if g := text(adm, `[data-testid=needs-grade]`); g != "C" {
		t.Fatalf("grade %q, want C", g)
	}
	weak := text(adm, `[data-testid=needs-weakest]`)
	if !strings.Contains(weak, "U3") || !strings.Contains(weak, "U6") {
		t.Fatalf("weakest elements %q, want U3 and U6", weak)
	}
	shots(adm, "3-needs-dashboard")
	// Before anything is assigned, the unit's ASN find the course among
	// their plan's suggestions, as the dashboard recommends it.
	plan := mustStatus(t, e.api("GET", "/api/v1/me/plan", e.token(asn2NIP), nil), 200, "plan")
	suggested := false
	for _, sg := range plan["suggestions"].([]any) {
		sg := sg.(map[string]any)
		suggested = suggested || sg["ref"] == c.ID && sg["why"] == "recommendation"
	}
	if !suggested {
		t.Errorf("the recommended course is not among the plan's suggestions: %v", plan["suggestions"])
	}
	rec := `li.needs-rec[data-reason="skm:u3"] li[data-course="` + c.ID + `"]`
	do(adm, "open the assign form", chromedp.Click(chromedp.CSS(rec+` summary`)), chromedp.WaitVisible(chromedp.CSS(rec+` input[name=mentor]`)))
	do(adm, "assign with a mentor", chromedp.SendKeys(chromedp.CSS(rec+` input[name=mentor]`), mentorNIP),
		chromedp.SendKeys(chromedp.CSS(rec+` input[name=goal]`), "Layanan KTP selesai dalam satu jam"),
		chromedp.Click(chromedp.CSS(rec+` form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=needs-done]`)))
	shots(adm, "4-assigned")

	// 3. Rina sees the course as mandatory, completes it and evaluates it.
	asn := newBrowserFor(t, 4*time.Minute)
	do(asn, "phone", chromedp.EmulateViewport(390, 844))
	chromeLogin(t, asn, base, asnNIP)
	if w := text(asn, `[data-testid=wajib]`); !strings.Contains(w, title) {
		t.Fatalf("home's Wajib %q lacks the course", w)
	}
	shots(asn, "5-home-wajib")
	do(asn, "open the lesson", chromedp.Navigate(base+"/learn/"+lesson.ID), chromedp.WaitVisible(chromedp.CSS(`[data-testid=mark-done]`)))
	e.advance(time.Minute) // reading time, as the pacing rules require
	// The form's answer is the lesson again, without the button: wait for
	// it, or the next navigation would cut that load short (ERR_ABORTED).
	do(asn, "mark done", chromedp.Click(chromedp.CSS(`[data-testid=mark-done]`)), chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=mark-done]`)),
		chromedp.WaitReady(chromedp.CSS(`body`)))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		enr, err := svc.Enrollment(ctx, asnNIP, c.ID)
		if err == nil && !enr.Completed.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("course not completed: %+v %v", enr, err)
		}
	}
	do(asn, "evaluate", chromedp.Navigate(base+"/courses/"+c.ID+"/evaluation"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=evaluation-form]`)),
		chromedp.Click(chromedp.CSS(`input[name=content][value="5"]`)), chromedp.Click(chromedp.CSS(`input[name=trainer][value="4"]`)),
		chromedp.Click(chromedp.CSS(`input[name=usefulness][value="5"]`)),
		chromedp.SendKeys(chromedp.CSS(`#comment`), "Sekarang antrean lebih cepat."),
		chromedp.Click(chromedp.CSS(`[data-testid=evaluation-submit]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=evaluation-done]`)))
	shots(asn, "6-evaluated")

	// 4. The mentor records a 90-minute session; Rina confirms it.
	mentor, _ := svc.User(ctx, mentorNIP)
	mine, err := svc.MentorshipsFor(ctx, mentor)
	if err != nil {
		t.Fatal(err)
	}
	var msID string
	for _, ms := range mine.AsMentor {
		if ms.Mentee == asnNIP {
			msID = ms.ID
		}
	}
	if msID == "" || len(mine.AsMentor) != 2 {
		t.Fatalf("mentorships from the dashboard: %+v", mine.AsMentor)
	}
	if _, err := svc.RecordSession(ctx, mentor, msID, content.SessionInput{Date: svc.Now().In(time.FixedZone("WIB", 7*3600)).Format(time.DateOnly),
		Minutes: 90, Notes: "Simulasi antrean dan prosedur KTP."}); err != nil {
		t.Fatal(err)
	}
	do(asn, "confirm the session", chromedp.Navigate(base+"/mentoring/"+msID), chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm-session]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=confirm-session]`)))
	asnTok := e.token(asnNIP)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		r := mustStatus(t, e.api("GET", "/api/v1/me/jp", asnTok, nil), 200, "my JP")
		if r["total"] == float64(6) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("JP after the session: %v", r)
		}
	}
	do(asn, "the confirmed session", chromedp.Navigate(base+"/mentoring/"+msID), chromedp.WaitVisible(chromedp.CSS(`.st-ok`)))
	shots(asn, "7-session-confirmed")

	// 5. Her JP: 4 from the course and 2 from 90 minutes of mentoring.
	do(asn, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=jp-total]`)))
	if got := text(asn, `[data-testid=jp-total]`); !strings.HasPrefix(got, "6 dari 20 JP") {
		t.Fatalf("home JP %q, want 6 of 20", got)
	}
	credits := text(asn, `[data-testid=jp-credits]`)
	if !strings.Contains(credits, title) {
		t.Errorf("JP credits %q lack the course", credits)
	}
	shots(asn, "8-home-jp")
	// And the unit's report.
	do(adm, "unit report", chromedp.Navigate(fmt.Sprintf("%s/admin/jp?unit=DISDUK&year=%d", base, year)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=jp-table]`)))
	row := text(adm, `[data-testid=jp-table] tr[data-nip="`+asnNIP+`"]`)
	if !strings.Contains(row, "Rina Petugas Loket") {
		t.Fatalf("unit report row %q", row)
	}
	if jpCell := text(adm, `[data-testid=jp-table] tr[data-nip="`+asnNIP+`"] td:nth-child(5)`); strings.TrimSpace(jpCell) != "6" {
		t.Fatalf("unit report JP %q, want 6", jpCell)
	}
	shots(adm, "9-unit-report")
}

func ptrTo[T any](v T) *T { return &v }
