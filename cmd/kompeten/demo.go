package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/kotalama/kompeten/app"
	"github.com/kotalama/kompeten/content"
)

//go:embed demo/pengembangan-kompetensi-asn.txt demo/kotalama-demo.mp4 demo/kotalama-demo.id.vtt
var demoFiles embed.FS

// Demo accounts. The NIPs are valid: birth date, appointment month, sex.
const (
	demoTrainerNIP = "198002142006041002"
	demoLearnerNIP = "199508172020122001"
	demoSlug       = "pentingnya-pengembangan-kompetensi-aparatur-sipil-negara"
)

// demo loads a demo course built from the seed document, with a captioned
// video, a PDF, a closing quiz that leads to a certificate, a demo trainer
// and a demo learner. It opens only the document and
// object stores, so it runs beside a live server, whose search worker
// indexes the course. Running it again changes nothing.
func demo(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kompeten demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := app.ParseConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	ctx := context.Background()
	store, err := app.OpenDocs(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	objects, err := app.OpenBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	defer objects.Close()
	svc, err := content.New(store, objects, content.Options{UploadMax: cfg.UploadMax})
	if err != nil {
		return err
	}
	trainer, trainerPass, err := demoUser(ctx, svc, content.NewUser{NIP: demoTrainerNIP, Name: "Dewi Widyaiswara",
		Unit: "BKPSDM Kota Kotalama", Position: "Widyaiswara Ahli Muda", Roles: []string{content.RoleTrainer}})
	if err != nil {
		return err
	}
	learner, learnerPass, err := demoUser(ctx, svc, content.NewUser{NIP: demoLearnerNIP, Name: "Rina Pelajar",
		Unit: "Dinas Kependudukan dan Pencatatan Sipil", Position: "Pengadministrasi Umum", Roles: []string{content.RoleLearner}})
	if err != nil {
		return err
	}
	c, err := svc.Course(ctx, demoSlug)
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "Kursus demo sudah ada: /courses/%s\n", c.Slug)
	case errors.Is(err, content.ErrNotFound):
		if c, err = demoCourse(ctx, svc, trainer); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Kursus demo dibuat: /courses/%s (%d materi)\n", c.Slug, len(c.Lessons()))
	default:
		return err
	}
	if _, _, err := svc.Enroll(ctx, learner, c.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nBuka %s/login dan masuk sebagai:\n", cfg.BaseURL)
	for _, a := range []struct{ role, nip, pass string }{{"pengajar", trainer.NIP, trainerPass}, {"peserta", learner.NIP, learnerPass}} {
		if a.pass == "" {
			a.pass = "(sudah ada; kata sandi tidak diubah)"
		}
		fmt.Fprintf(stdout, "  %-9s NIP %s  kata sandi %s\n", a.role, a.nip, a.pass)
	}
	return nil
}

// demoUser creates the account with a fresh random password, or returns
// the existing one with an empty password.
func demoUser(ctx context.Context, svc *content.Service, in content.NewUser) (content.User, string, error) {
	if u, err := svc.User(ctx, in.NIP); err == nil {
		return u, "", nil
	}
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return content.User{}, "", err
	}
	in.Password = "demo-" + base64.RawURLEncoding.EncodeToString(raw)
	u, err := svc.CreateUser(ctx, in)
	return u, in.Password, err
}

type seedSection struct{ title, body string }

// seedSections reads the seed: a title line, then heading and paragraph
// lines in turn.
func seedSections() (string, []seedSection, error) {
	b, err := demoFiles.ReadFile("demo/pengembangan-kompetensi-asn.txt")
	if err != nil {
		return "", nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 3 {
		return "", nil, errors.New("demo: seed document too short")
	}
	title := lines[0]
	var out []seedSection
	// The first paragraph has no heading of its own.
	out = append(out, seedSection{"Pendahuluan", lines[1]})
	for i := 2; i+1 < len(lines); i += 2 {
		out = append(out, seedSection{lines[i], lines[i+1]})
	}
	return title, out, nil
}

func demoCourse(ctx context.Context, svc *content.Service, trainer content.User) (content.Course, error) {
	title, sections, err := seedSections()
	if err != nil {
		return content.Course{}, err
	}
	str := func(s string) *string { return &s }
	jp := 2
	c, err := svc.CreateCourse(ctx, trainer, content.CourseInput{
		Title:       str(title),
		Summary:     str("Mengapa dan bagaimana ASN Kota Kotalama mengembangkan kompetensinya: pelatihan, teknologi, keterlibatan masyarakat, dan evaluasi."),
		Description: str(sections[0].body + "\n\nKursus demo ini dibuat dari dokumen awal proyek Kompeten."),
		Category:    str("Sosial Kultural"), Level: str("Dasar"), JP: &jp,
	})
	if err != nil {
		return content.Course{}, err
	}
	video, err := demoFiles.ReadFile("demo/kotalama-demo.mp4")
	if err != nil {
		return content.Course{}, err
	}
	videoAsset, err := demoUpload(ctx, svc, trainer, c.ID, "video-pengantar.mp4", video)
	if err != nil {
		return content.Course{}, err
	}
	pdf, err := demoPDF(title, sections)
	if err != nil {
		return content.Course{}, err
	}
	pdfAsset, err := demoUpload(ctx, svc, trainer, c.ID, "ringkasan-materi.pdf", pdf)
	if err != nil {
		return content.Course{}, err
	}
	m1, err := svc.AddModule(ctx, trainer, c.ID, content.ModuleInput{Title: "Mengapa kompetensi ASN penting"})
	if err != nil {
		return content.Course{}, err
	}
	m2, err := svc.AddModule(ctx, trainer, c.ID, content.ModuleInput{Title: "Cara mengembangkannya"})
	if err != nil {
		return content.Course{}, err
	}
	add := func(module, title, kind, body, asset string, minutes int) error {
		_, err := svc.AddLesson(ctx, trainer, c.ID, module, content.LessonInput{
			Title: str(title), Kind: str(kind), Body: str(body), AssetID: str(asset), Minutes: &minutes})
		return err
	}
	if err := add(m1.ID, "Video pengantar", content.KindVideo, "", videoAsset, 1); err != nil {
		return content.Course{}, err
	}
	if err := demoCaptions(ctx, svc, trainer, c.ID); err != nil {
		return content.Course{}, err
	}
	half := (len(sections) + 1) / 2
	for i, s := range sections {
		module := m1.ID
		if i >= half {
			module = m2.ID
		}
		body := "## " + s.title + "\n\n" + s.body
		if err := add(module, s.title, content.KindText, body, "", 5); err != nil {
			return content.Course{}, err
		}
	}
	if err := add(m2.ID, "Ringkasan materi (PDF)", content.KindFile, "Unduh atau baca ringkasan seluruh materi.", pdfAsset, 5); err != nil {
		return content.Course{}, err
	}
	if _, err := svc.CreateQuiz(ctx, trainer, demoQuiz(c.ID, m2.ID)); err != nil {
		return content.Course{}, err
	}
	return svc.SetStatus(ctx, trainer, c.ID, content.StatusPublished)
}

// demoCaptions uploads the video's caption track and attaches it to the
// video lesson, the first lesson of the course.
func demoCaptions(ctx context.Context, svc *content.Service, trainer content.User, courseID string) error {
	vtt, err := demoFiles.ReadFile("demo/kotalama-demo.id.vtt")
	if err != nil {
		return err
	}
	asset, err := demoUpload(ctx, svc, trainer, courseID, "video-pengantar.id.vtt", vtt)
	if err != nil {
		return err
	}
	c, err := svc.Course(ctx, courseID)
	if err != nil {
		return err
	}
	caps := []content.Caption{{AssetID: asset, Lang: "id", Label: "Bahasa Indonesia"}}
	_, err = svc.UpdateLesson(ctx, trainer, c.Lessons()[0].ID, content.LessonInput{Captions: &caps})
	return err
}

// demoQuizAnswers are the right answers of the demo quiz, by question id,
// as a learner's client sends them (the demo test passes the quiz with them).
var demoQuizAnswers = map[string]any{"q1": "b", "q2": []string{"a", "b", "d"}, "q3": true, "q4": "c", "q5": "E-learning"}

// demoQuiz is a short closing quiz on the seed document: passing it (70%)
// completes the course and issues the certificate.
func demoQuiz(courseID, moduleID string) content.QuizInput {
	str := func(s string) *string { return &s }
	pass, attempts := 70.0, 3
	yes := true
	raw := func(v any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	opts := func(texts ...string) []content.Option {
		out := make([]content.Option, len(texts))
		for i, t := range texts {
			out[i] = content.Option{ID: string(rune('a' + i)), Text: t}
		}
		return out
	}
	return content.QuizInput{CourseID: courseID, ModuleID: moduleID, Title: str("Kuis penutup"), PassMark: &pass,
		MaxAttempts: &attempts, ShowCorrectness: &yes, ShowExplanations: &yes, ShuffleOptions: &yes,
		Questions: []content.QuestionInput{
			{ID: "q1", Type: "single", Points: 1, Prompt: "Apa tujuan utama pengembangan kompetensi ASN?",
				Options: opts("Menambah jumlah pegawai", "Meningkatkan kualitas pelayanan publik", "Mengurangi jam kerja"),
				Answer:  raw("b"), Explanation: "Pengembangan kompetensi membuat ASN menjalankan tugasnya dengan efektif dan melayani lebih baik."},
			{ID: "q2", Type: "multiple", Points: 2, Prompt: "Pilih tiga cara Kotalama mengembangkan kompetensi ASN.",
				Options: opts("Pelatihan dan pendidikan", "Platform e-learning", "Menunda evaluasi kinerja", "Forum diskusi dengan masyarakat"),
				Answer:  raw([]string{"a", "b", "d"}), Explanation: "Pelatihan, teknologi dan keterlibatan masyarakat; evaluasi justru dilakukan rutin."},
			{ID: "q3", Type: "truefalse", Points: 1, Prompt: "Umpan balik dari masyarakat dipakai untuk menemukan hal yang perlu ditingkatkan.",
				Answer: raw(true), Explanation: "Ya: penilaian rutin dan umpan balik warga menunjukkan area yang perlu diperbaiki."},
			{ID: "q4", Type: "single", Points: 1, Prompt: "Apa gunanya forum diskusi antara ASN dan masyarakat?",
				Options: opts("Menggantikan pelatihan", "Mempromosikan pegawai", "Mendengar aspirasi dan harapan warga"),
				Answer:  raw("c"), Explanation: "Forum itu membuat ASN memahami kebutuhan warga secara langsung."},
			{ID: "q5", Type: "short", Points: 1, Prompt: "Platform apa yang dipakai Kotalama agar ASN dapat belajar kapan saja? (satu kata)",
				Answer: raw([]string{"e-learning", "elearning", "e learning"}), Explanation: "Platform e-learning, seperti Kompeten."},
		}}
}

// demoUpload stores a file through the same resumable protocol the
// browser uses, so the demo's assets are sniffed and hashed like any other.
func demoUpload(ctx context.Context, svc *content.Service, u content.User, course, name string, data []byte) (string, error) {
	up, err := svc.CreateUpload(ctx, u, content.NewUpload{Filename: name, Size: int64(len(data)), CourseID: course})
	if err != nil {
		return "", err
	}
	for n := 1; n <= up.Parts; n++ {
		part := data[int64(n-1)*up.PartSize : min(int64(n)*up.PartSize, int64(len(data)))]
		if _, err := svc.PutPart(ctx, u, up.ID, n, int64(len(part)), bytes.NewReader(part)); err != nil {
			return "", err
		}
	}
	a, err := svc.CompleteUpload(ctx, u, up.ID)
	return a.ID, err
}

// demoPDF typesets the seed document as an A4 handout.
func demoPDF(title string, sections []seedSection) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetAuthor("Kompeten, Kota Kotalama", true)
	pdf.SetMargins(20, 20, 20)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr(title), "", "L", false)
	pdf.Ln(4)
	for _, s := range sections {
		pdf.SetFont("Helvetica", "B", 12)
		pdf.MultiCell(0, 7, tr(s.title), "", "L", false)
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(0, 6, tr(s.body), "", "J", false)
		pdf.Ln(3)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("demo pdf: %w", err)
	}
	return buf.Bytes(), nil
}
