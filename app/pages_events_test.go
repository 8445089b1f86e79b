package app

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/content"
	"github.com/kotalama/kompeten/storage/docs"
)

// putRegistration stores a registration as the registration code would,
// for the pages that only read them.
// putRegistration places nip at the event as status says, past any
// deadline or capacity, as SeedRegistration does.
func putRegistration(t *testing.T, e *testEnv, ev, nip, status string) {
	t.Helper()
	if _, err := e.app.Service().SeedRegistration(context.Background(), ev, nip, status); err != nil {
		t.Fatal(err)
	}
}

func createEvent(t *testing.T, e *testEnv, tok string, body map[string]any) map[string]any {
	t.Helper()
	return mustStatus(t, e.api("POST", "/api/v1/events", tok, body), 201, "create event "+body["title"].(string))
}

func TestEventFormPages(t *testing.T) {
	e := newEnv(t, nil)
	trainer := e.browser()
	trainer.login(trainerNIP)
	learner := e.browser()
	learner.login(learnerNIP)

	if r := learner.get("/events/new"); r.StatusCode != 403 {
		t.Errorf("learner form: %d", r.StatusCode)
	}
	r := trainer.get("/events/new")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `type="datetime-local"`) || !strings.Contains(string(r.body), `name="units"`) {
		t.Fatalf("trainer form: %d", r.StatusCode)
	}
	tok := trainer.csrf("/events/new")
	day := time.Now().In(wib).AddDate(0, 0, 7).Format(time.DateOnly)
	form := url.Values{"_csrf": {tok}, "title": {"Lokakarya Pelayanan Prima"}, "kind": {"workshop"}, "mode": {"blended"},
		"starts_at": {day + "T09:00"}, "ends_at": {day + "T08:00"}, "place": {"Aula"}, "online_url": {"https://meet.example/abc"},
		"capacity": {"0"}, "jp": {"-1"}, "description": {"Materi **inti**"}, "min_attendance": {"100"}}
	before := countEvents(t, e)
	r = trainer.post("/events/new", form)
	body := string(r.body)
	if r.StatusCode != 422 {
		t.Fatalf("bad form: %d", r.StatusCode)
	}
	for _, id := range []string{"ends_at-err", "capacity-err", "jp-err"} {
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("no error next to %s", id)
		}
	}
	if !strings.Contains(body, `value="Lokakarya Pelayanan Prima"`) {
		t.Error("the refused form lost what was typed")
	}
	if countEvents(t, e) != before {
		t.Fatal("a refused form wrote an event")
	}
	form.Set("ends_at", day+"T15:00")
	form.Set("capacity", "25")
	form.Set("jp", "6")
	form.Set("waitlist_checkin", "1")
	r = trainer.post("/events/new", form)
	if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/events/") {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	id := strings.TrimPrefix(r.Header.Get("Location"), "/events/")
	ev, err := e.app.Service().Event(context.Background(), id)
	if err != nil || ev.Capacity != 25 || ev.JP != 6 || !ev.WaitlistCheckin || ev.Mode != "blended" || ev.Starts.In(wib).Format("15:04") != "09:00" {
		t.Fatalf("stored %+v, %v", ev, err)
	}

	// Editing: the organiser's form is filled in; others are refused.
	r = trainer.get("/events/" + id + "/edit")
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `value="`+day+`T09:00"`) || !strings.Contains(string(r.body), `data-event="`+id+`"`) {
		t.Fatalf("edit form: %d", r.StatusCode)
	}
	other := e.browser()
	other.login(trainer2NIP)
	if r := other.get("/events/" + id + "/edit"); r.StatusCode != 403 {
		t.Errorf("other trainer's edit form: %d", r.StatusCode)
	}
	form.Set("_csrf", other.csrf("/events"))
	if r := other.post("/events/"+id+"/edit", form); r.StatusCode != 403 {
		t.Errorf("other trainer's edit: %d", r.StatusCode)
	}
	form.Set("_csrf", learner.csrf("/events"))
	if r := learner.post("/events/"+id+"/edit", form); r.StatusCode != 403 {
		t.Errorf("learner's edit: %d", r.StatusCode)
	}
	form.Set("_csrf", trainer.csrf("/events/"+id+"/edit"))
	form.Set("title", "Lokakarya Pelayanan Prima II")
	if r := trainer.post("/events/"+id+"/edit", form); r.StatusCode != 303 {
		t.Fatalf("edit: %d %s", r.StatusCode, r.body)
	}

	// Materials: an organiser uploads a file to the event; anyone signed
	// in downloads it, nobody signed out does; another trainer cannot
	// attach to it.
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	ttok := e.token(trainerNIP)
	if r := e.api("POST", "/api/v1/uploads", e.token(trainer2NIP), map[string]any{"filename": "x.pdf", "size": len(pdf), "event_id": id}); r.StatusCode != 403 {
		t.Errorf("non-organiser upload: %d %s", r.StatusCode, r.body)
	}
	if r := e.api("POST", "/api/v1/uploads", ttok, map[string]any{"filename": "x.pdf", "size": len(pdf), "event_id": "nope"}); r.StatusCode != 422 {
		t.Errorf("upload to no event: %d %s", r.StatusCode, r.body)
	}
	up := mustStatus(t, e.api("POST", "/api/v1/uploads", ttok, map[string]any{"filename": "Modul <b>1.pdf", "size": len(pdf), "event_id": id}), 201, "upload")
	aid := up["id"].(string)
	mustStatus(t, e.putPart(ttok, aid, 1, pdf), 200, "part")
	mustStatus(t, e.api("POST", "/api/v1/uploads/"+aid+"/complete", ttok, nil), 201, "complete")
	ev, _ = e.app.Service().Event(context.Background(), id)
	if len(ev.Materials) != 1 || ev.Materials[0].Asset != aid {
		t.Fatalf("materials %+v", ev.Materials)
	}
	if r := learner.get("/media/" + aid); r.StatusCode != 200 || string(r.body) != string(pdf) {
		t.Errorf("learner download: %d", r.StatusCode)
	}
	if r := e.browser().get("/media/" + aid); r.StatusCode != 401 && r.StatusCode != 303 && r.StatusCode != 302 {
		t.Errorf("signed-out download: %d", r.StatusCode)
	}
	if r := trainer.get("/events/" + id + "/materials"); r.StatusCode != 200 || !strings.Contains(string(r.body), "Modul &lt;b&gt;1.pdf") {
		t.Errorf("materials fragment: %d %s", r.StatusCode, r.body)
	}
	// Saving the form (which carries no materials) keeps them.
	form.Set("_csrf", trainer.csrf("/events/"+id+"/edit"))
	if r := trainer.post("/events/"+id+"/edit", form); r.StatusCode != 303 {
		t.Fatalf("edit: %d", r.StatusCode)
	}
	if ev, _ = e.app.Service().Event(context.Background(), id); len(ev.Materials) != 1 {
		t.Fatalf("saving the form dropped the materials: %+v", ev.Materials)
	}
	if r := trainer.post("/events/"+id+"/materials/"+aid+"/delete", url.Values{"_csrf": {trainer.csrf("/events/" + id + "/edit")}}); r.StatusCode != 303 {
		t.Fatalf("remove material: %d", r.StatusCode)
	}
	if ev, _ = e.app.Service().Event(context.Background(), id); len(ev.Materials) != 0 {
		t.Fatalf("material not removed: %+v", ev.Materials)
	}

	// Cancelling: organisers only; registrations stay.
	putRegistration(t, e, id, learnerNIP, content.RegRegistered)
	if r := learner.post("/events/"+id+"/cancel-event", url.Values{"_csrf": {learner.csrf("/events")}, "confirm": {"1"}}); r.StatusCode != 403 {
		t.Errorf("learner cancels the event: %d", r.StatusCode)
	}
	if r := trainer.post("/events/"+id+"/cancel-event", url.Values{"_csrf": {trainer.csrf("/events/" + id + "/edit")}}); r.StatusCode != 400 {
		t.Errorf("cancel without the confirmation: %d", r.StatusCode)
	}
	if ev, _ = e.app.Service().Event(context.Background(), id); ev.Status != content.EventOpen {
		t.Fatalf("cancelled without the confirmation")
	}
	if r := trainer.post("/events/"+id+"/cancel-event", url.Values{"_csrf": {trainer.csrf("/events/" + id + "/edit")}, "confirm": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("cancel: %d", r.StatusCode)
	}
	if ev, _ = e.app.Service().Event(context.Background(), id); ev.Status != content.EventCancelled {
		t.Fatalf("status %s", ev.Status)
	}
	if reg, err := e.app.Service().RegistrationOf(context.Background(), id, learnerNIP); err != nil || reg.Status != content.RegRegistered {
		t.Fatalf("registration after cancelling: %+v %v", reg, err)
	}
	if r := learner.get("/events/" + id); !strings.Contains(string(r.body), `data-testid="event-cancelled"`) || strings.Contains(string(r.body), `data-testid="event-register"`) {
		t.Error("the cancelled event's page does not say so, or offers registration")
	}
}

func TestEventPage(t *testing.T) {
	e := newEnv(t, nil)
	ttok := e.token(trainerNIP)
	b := eventBody("Seminar <i>Integritas</i>", 5)
	b["mode"], b["online_url"] = "blended", "https://meet.example/rahasia"
	b["description"] = "Halo <script>alert('x')</script> **tebal** <img src=x onerror=alert(1)>"
	b["organisers"] = []string{trainer2NIP}
	id := createEvent(t, e, ttok, b)["id"].(string)
	learner := e.browser()
	learner.login(learnerNIP)
	r := learner.get("/events/" + id)
	body := string(r.body)
	if r.StatusCode != 200 {
		t.Fatalf("event page: %d", r.StatusCode)
	}
	for _, want := range []string{"Seminar &lt;i&gt;Integritas&lt;/i&gt;", "<strong>tebal</strong>", "Pengajar Lain", "Widya Pengajar",
		`action="/events/` + id + `/register"`, `href="/api/v1/events/` + id + `.ics"`, "0 dari 30 kursi terisi", "WIB", `data-testid="event-link-hidden"`} {
		if !strings.Contains(body, want) {
			t.Errorf("event page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", "onerror", "meet.example/rahasia", `data-testid="event-organiser"`, "/edit\""} {
		if strings.Contains(body, bad) {
			t.Errorf("event page shows %q to a learner", bad)
		}
	}
	// Registered: the link shows, and the cancel form.
	putRegistration(t, e, id, learnerNIP, content.RegRegistered)
	putRegistration(t, e, id, learner2NIP, content.RegWaitlisted)
	body = string(learner.get("/events/" + id).body)
	for _, want := range []string{`data-testid="event-link"`, "meet.example/rahasia", `action="/events/` + id + `/cancel"`, "1 dari 30 kursi terisi", "1 dalam daftar tunggu", "Terdaftar"} {
		if !strings.Contains(body, want) {
			t.Errorf("registered view lacks %q", want)
		}
	}
	// The waitlisted learner does not get the link.
	l2 := e.browser()
	l2.login(learner2NIP)
	if body := string(l2.get("/events/" + id).body); strings.Contains(body, "meet.example/rahasia") || !strings.Contains(body, "Daftar tunggu") ||
		!strings.Contains(body, "urutan ke-1 dalam daftar tunggu") {
		t.Error("waitlisted view wrong: the link shows, or the status or position is missing")
	}
	// A co-organiser sees the link and the organiser's links.
	org := e.browser()
	org.login(trainer2NIP)
	body = string(org.get("/events/" + id).body)
	for _, want := range []string{"meet.example/rahasia", "/events/" + id + "/registrations", "/events/" + id + "/checkin", "/events/" + id + "/attendance", "/events/" + id + "/edit"} {
		if !strings.Contains(body, want) {
			t.Errorf("organiser view lacks %q", want)
		}
	}
	if r := learner.get("/events/nope"); r.StatusCode != 404 {
		t.Errorf("unknown event: %d", r.StatusCode)
	}
	// English.
	learner.get("/lang/en")
	if body := string(learner.get("/events/" + id).body); !strings.Contains(body, "1 of 30 seats taken") || !strings.Contains(body, "Add to calendar (.ics)") {
		t.Error("English event page")
	}
}

func TestEventCalendarPage(t *testing.T) {
	e := newEnv(t, nil)
	atok, ttok := e.token(adminNIP), e.token(trainerNIP)
	// Parents first.
	for _, u := range [][2]string{{"KOTA", ""}, {"DINKES", "KOTA"}, {"PKM-1", "DINKES"}, {"DISDIK", "KOTA"}} {
		mustStatus(t, e.api("PUT", "/api/v1/units/"+u[0], atok, map[string]string{"name": "Unit " + u[0], "parent": u[1]}), 200, "unit "+u[0])
	}
	// The events in a month from now, on known days.
	month := time.Now().In(wib).AddDate(0, 1, 0)
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, wib)
	at := func(day int) string { return first.AddDate(0, 0, day-1).Format(time.DateOnly) }
	mk := func(title string, day int, kind string, units []string) {
		b := eventBody(title, 0)
		b["starts_at"], b["ends_at"], b["kind"], b["units"] = at(day)+"T09:00", at(day)+"T12:00", kind, units
		createEvent(t, e, ttok, b)
	}
	mk("Untuk semua", 3, "workshop", nil)
	mk("Untuk Dinkes", 10, "seminar", []string{"DINKES"})
	mk("Untuk Disdik", 10, "workshop", []string{"DISDIK"})
	mk("Untuk kota", 20, "classroom", []string{"KOTA"})
	// Three days long: on each of its days.
	b := eventBody("Diklat tiga hari", 0)
	b["starts_at"], b["ends_at"], b["kind"] = at(24)+"T08:00", at(26)+"T16:00", "classroom"
	createEvent(t, e, ttok, b)

	learner := e.browser()
	learner.login(learnerNIP)
	m := first.Format("2006-01")
	cell := func(body, day string) string {
		re := regexp.MustCompile(`(?s)data-day="` + day + `">(.*?)</td>`)
		if c := re.FindStringSubmatch(body); c != nil {
			return c[1]
		}
		return ""
	}
	r := learner.get("/events?month=" + m)
	body := string(r.body)
	if r.StatusCode != 200 {
		t.Fatalf("calendar: %d", r.StatusCode)
	}
	if c := cell(body, at(3)); !strings.Contains(c, "Untuk semua") || !strings.Contains(c, "09.00") {
		t.Errorf("day 3 cell: %q", c)
	}
	if c := cell(body, at(10)); !strings.Contains(c, "Untuk Dinkes") || !strings.Contains(c, "Untuk Disdik") {
		t.Errorf("day 10 cell: %q", c)
	}
	for _, d := range []int{24, 25, 26} {
		if !strings.Contains(cell(body, at(d)), "Diklat tiga hari") {
			t.Errorf("the three-day event is not on day %d", d)
		}
	}
	if strings.Contains(cell(body, at(4)), "<li") {
		t.Error("day 4 has an event")
	}
	if !strings.Contains(body, `<th scope="col">Senin</th>`) || !strings.Contains(body, `<h3 id="d-`+at(3)+`">`) {
		t.Error("the grid's headers or the day list's headings are missing")
	}
	// Filters: unit PKM-1 (under DINKES under KOTA) sees events for all,
	// for DINKES and for KOTA, not for DISDIK.
	body = string(learner.get("/events?" + url.Values{"month": {m}, "unit": {"PKM-1"}, "view": {"list"}}.Encode()).body)
	for title, want := range map[string]bool{"Untuk semua": true, "Untuk Dinkes": true, "Untuk kota": true, "Untuk Disdik": false} {
		if strings.Contains(body, ">"+title+"<") != want {
			t.Errorf("unit PKM-1: %s shown %v, want %v", title, !want, want)
		}
	}
	if strings.Contains(body, `data-testid="cal-grid"`) {
		t.Error("the list view shows the grid")
	}
	body = string(learner.get("/events?" + url.Values{"month": {m}, "kind": {"seminar"}}.Encode()).body)
	if !strings.Contains(body, "Untuk Dinkes") || strings.Contains(body, "Untuk semua") {
		t.Error("kind filter")
	}
	// Month navigation keeps the filters.
	if !strings.Contains(body, `href="/events?kind=seminar&amp;month=`+first.AddDate(0, 1, 0).Format("2006-01")+`"`) {
		t.Error("next month link loses the filter")
	}
	for _, q := range []string{"month=2026-13", "kind=party", "unit=NOPE"} {
		if r := learner.get("/events?" + q); r.StatusCode != 400 {
			t.Errorf("%s: %d", q, r.StatusCode)
		}
	}
	// A trainer gets the new-event button, a learner does not.
	trainer := e.browser()
	trainer.login(trainerNIP)
	if !strings.Contains(string(trainer.get("/events").body), `href="/events/new"`) || strings.Contains(string(learner.get("/events").body), `href="/events/new"`) {
		t.Error("new-event button")
	}
	// Home and the admin hub link here.
	if !strings.Contains(string(learner.get("/").body), `href="/my/events"`) {
		t.Error("home has no link to Kegiatan saya")
	}
	admin := e.browser()
	admin.login(adminNIP)
	if !strings.Contains(string(admin.get("/admin").body), `data-testid="hub-events"`) {
		t.Error("admin hub has no events link")
	}
}

func TestMyEventsPage(t *testing.T) {
	e := newEnv(t, nil)
	ttok := e.token(trainerNIP)
	ids := map[string]string{}
	for title, days := range map[string]int{"Besok": 1, "Minggu depan": 7, "Kemarin": -1, "Bulan lalu": -40} {
		b := eventBody(title, max(days, 1))
		id := createEvent(t, e, ttok, b)["id"].(string)
		ids[title] = id
		// Past events are moved back by hand: the API refuses nothing
		// about the past, but the clock is the test's.
		if days < 0 {
			_, err := docs.Update(context.Background(), e.stores.Docs.C("events"), id, func(ev *content.Event) error {
				ev.Starts, ev.Ends = ev.Starts.AddDate(0, 0, days-1), ev.Ends.AddDate(0, 0, days-1)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		status := content.RegRegistered
		if title == "Minggu depan" {
			status = content.RegWaitlisted
		}
		putRegistration(t, e, id, learnerNIP, status)
	}
	learner := e.browser()
	learner.login(learnerNIP)
	r := learner.get("/my/events")
	body := string(r.body)
	if r.StatusCode != 200 {
		t.Fatalf("my events: %d", r.StatusCode)
	}
	order := []string{"Besok", "Minggu depan", "Kemarin", "Bulan lalu"}
	last := -1
	for _, title := range order {
		i := strings.Index(body, ">"+title+"<")
		if i < 0 || i < last {
			t.Errorf("%s at %d (after %d): order %v wanted", title, i, last, order)
		}
		last = i
	}
	up := body[strings.Index(body, `data-testid="my-upcoming"`):strings.Index(body, `id="past-title"`)]
	if !strings.Contains(up, "Daftar tunggu") || strings.Contains(up, "Kemarin") {
		t.Errorf("upcoming section: %s", up)
	}
	if !strings.Contains(body, `href="/my/calendar"`) {
		t.Error("no link to the calendar feed page")
	}
	// Another learner sees none of it.
	l2 := e.browser()
	l2.login(learner2NIP)
	if body := string(l2.get("/my/events").body); strings.Contains(body, "Besok") {
		t.Error("another learner sees the registrations")
	}
}
