package searchtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kotalama/kompeten/search"
)

const (
	snippetOpen  = "<mark>"
	snippetClose = "</mark>"
)

// The relevance set: courses of a city training catalogue, each with its
// lessons, written for the suite in Bahasa Indonesia as trainers write.
// Their ids start with "r-", so they never meet Fixture's.

type relCourse struct {
	id, title, summary, body string
	category, level, status  string
	lessons                  []relLesson
}

type relLesson struct{ id, title, body string }

const relOwner = "tr-relevansi"

var relCourses = []relCourse{
	{id: "r-pelayanan", title: "Standar Pelayanan Publik", category: "Teknis", level: "dasar",
		summary: "Menyusun dan menerapkan standar pelayanan di unit kerja.",
		body:    "Kursus ini membahas komponen standar pelayanan sesuai peraturan tentang pelayanan publik, dari persyaratan sampai biaya dan waktu penyelesaian.",
		lessons: []relLesson{
			{"l-maklumat", "Maklumat Pelayanan", "Maklumat adalah pernyataan kesanggupan penyelenggara untuk melayani sesuai standar. Maklumat dipasang di ruang tunggu agar warga dapat menagihnya."},
			{"l-sop", "Prosedur Operasional Standar", "SOP menjelaskan langkah kerja petugas sejak permohonan diterima sampai produk diserahkan kepada pemohon, lengkap dengan waktu setiap langkah."},
			{"l-pengaduan", "Pengelolaan Pengaduan Masyarakat", "Setiap keluhan dicatat di aplikasi SP4N LAPOR, ditindaklanjuti paling lama lima hari kerja, dan hasilnya dikabarkan kepada warga yang mengadu."},
			{"l-ikm", "Survei Kepuasan Masyarakat", "Survei kepuasan masyarakat diadakan tiap semester dengan sembilan unsur penilaian; hasil IKM diumumkan secara terbuka di laman instansi."},
		}},
	{id: "r-mpp", title: "Mal Pelayanan Publik", category: "Teknis", level: "menengah",
		summary: "Layanan terpadu beberapa instansi dalam satu gedung.",
		body:    "Mal pelayanan publik menghimpun loket dinas, instansi vertikal, dan badan usaha milik daerah.",
		lessons: []relLesson{
			{"l-loket", "Loket Layanan Terpadu", "Loket terpadu menggabungkan perizinan dari beberapa dinas di satu tempat sehingga warga tidak perlu berpindah kantor."},
			{"l-antrean", "Sistem Antrean Daring", "Warga mengambil nomor antrean dari ponsel dan datang sesuai jadwal; petugas memantau waktu tunggu rata-rata setiap hari."},
			{"l-disabilitas", "Layanan Ramah Disabilitas", "Sarana ramah disabilitas meliputi jalur landai, kursi roda, toilet khusus, dan petugas yang menguasai bahasa isyarat."},
		}},
	{id: "r-arsip", title: "Manajemen Kearsipan Dinamis", category: "Teknis", level: "menengah",
		summary: "Mengelola arsip aktif dan inaktif di perangkat daerah.",
		body:    "Tata kelola arsip dinamis dari penciptaan, penggunaan, pemeliharaan, sampai penyusutan.",
		lessons: []relLesson{
			{"l-klasifikasi", "Klasifikasi Arsip", "Kode klasifikasi disusun berdasarkan fungsi dan kegiatan instansi, lalu dipakai untuk menomori naskah dan menata berkas."},
			{"l-jra", "Jadwal Retensi Arsip", "JRA menentukan berapa lama arsip aktif dan inaktif disimpan sebelum dimusnahkan atau diserahkan ke lembaga kearsipan daerah."},
			{"l-pemberkasan", "Pemberkasan Arsip Aktif", "Setiap naskah yang selesai diproses harus diarsipkan dalam berkas menurut masalah yang sama, dengan daftar berkas yang selalu mutakhir."},
			{"l-alihmedia", "Alih Media Arsip", "Alih media mengubah arsip kertas menjadi arsip elektronik dengan pemindai, disertai berita acara dan daftar arsip yang dialihmediakan."},
			{"l-srikandi", "Aplikasi SRIKANDI", "SRIKANDI adalah aplikasi umum bidang kearsipan untuk tata naskah dinas elektronik di instansi pemerintah."},
		}},
	{id: "r-keuda", title: "Pengelolaan Keuangan Daerah", category: "Teknis", level: "menengah",
		summary: "Siklus keuangan daerah bagi bendahara dan pejabat penatausahaan.",
		body:    "Dari penyusunan APBD, pelaksanaan, penatausahaan, sampai laporan keuangan yang diaudit BPK.",
		lessons: []relLesson{
			{"l-apbd", "Penyusunan APBD", "Rancangan APBD disusun dari KUA dan PPAS yang disepakati kepala daerah bersama DPRD, lalu dievaluasi gubernur."},
			{"l-penatausahaan", "Penatausahaan Bendahara", "Bendahara pengeluaran mencatat setiap transaksi dalam buku kas umum dan menyampaikan laporan pertanggungjawaban bulanan."},
			{"l-sipd", "Aplikasi SIPD", "Sistem Informasi Pemerintahan Daerah dipakai untuk perencanaan, penganggaran, dan penatausahaan dalam satu basis data."},
			{"l-lkpd", "Laporan Keuangan Pemerintah Daerah", "LKPD terdiri atas laporan realisasi anggaran, neraca, laporan operasional, laporan arus kas, dan catatan atas laporan keuangan."},
		}},
	{id: "r-anggaran", title: "Penganggaran Berbasis Kinerja", category: "Manajerial", level: "lanjut",
		summary: "Menghubungkan setiap rupiah belanja dengan hasil yang dirasakan warga.",
		body:    "Prinsip value for money, indikator kinerja, dan analisis standar belanja.",
		lessons: []relLesson{
			{"l-indikator", "Indikator Kinerja Program", "Setiap program harus memiliki indikator keluaran dan hasil yang terukur, beserta target tahunan dan sumber datanya."},
			{"l-rka", "Rencana Kerja dan Anggaran", "RKA perangkat daerah memuat rincian belanja per kegiatan dan subkegiatan beserta target kinerjanya."},
			{"l-efisiensi", "Efisiensi Belanja", "Belanja perjalanan dinas dan rapat dikendalikan agar anggaran dipakai untuk layanan yang langsung dirasakan warga."},
		}},
	{id: "r-pbj", title: "Pengadaan Barang dan Jasa Pemerintah", category: "Teknis", level: "menengah",
		summary: "Proses pengadaan yang transparan, efisien, dan akuntabel.",
		body:    "Peran PA, KPA, PPK, pokja pemilihan, dan pejabat pengadaan dalam siklus pengadaan.",
		lessons: []relLesson{
			{"l-perpres", "Dasar Hukum Pengadaan", "Peraturan Presiden tentang pengadaan barang/jasa mengatur pelaku, metode pemilihan penyedia, dan sanksi."},
			{"l-ekatalog", "Katalog Elektronik", "E-purchasing melalui katalog elektronik mempercepat belanja produk dalam negeri dan produk usaha mikro dan kecil."},
			{"l-tender", "Tender dan Seleksi", "Pokja pemilihan menyusun dokumen tender, mengevaluasi penawaran, dan menetapkan pemenang yang menawar paling menguntungkan."},
			{"l-swakelola", "Swakelola", "Swakelola dilaksanakan oleh perangkat daerah, instansi lain, organisasi kemasyarakatan, atau kelompok masyarakat."},
			{"l-hps", "Harga Perkiraan Sendiri", "PPK menyusun HPS dari survei harga pasar sebagai batas tertinggi penawaran yang sah."},
		}},
	{id: "r-etika", title: "Etika dan Integritas Aparatur", category: "Sosial Kultural", level: "dasar",
		summary: "Menjaga kepercayaan publik melalui perilaku yang jujur.",
		body:    "Kode etik, gratifikasi, konflik kepentingan, dan sikap di hadapan warga.",
		lessons: []relLesson{
			{"l-kodeetik", "Kode Etik ASN", "Kode etik mengatur perilaku ASN dalam bertugas, bermasyarakat, dan menggunakan media sosial."},
			{"l-gratifikasi", "Menolak Gratifikasi", "Setiap pemberian yang berhubungan dengan jabatan wajib ditolak atau dilaporkan kepada KPK dalam tiga puluh hari kerja."},
			{"l-konflik", "Konflik Kepentingan", "Pejabat yang memiliki hubungan keluarga dengan penyedia harus menyatakan konflik kepentingan dan mundur dari keputusan."},
			{"l-etikalayan", "Etika Pelayanan kepada Warga", "Petugas loket menyapa dengan ramah, memberi informasi yang jujur, dan tidak meminta imbalan apa pun."},
		}},
	{id: "r-berakhlak", title: "Nilai Dasar BerAKHLAK", category: "Sosial Kultural", level: "dasar",
		summary: "Tujuh nilai inti ASN dalam pekerjaan sehari-hari.",
		body:    "Berorientasi pelayanan, akuntabel, kompeten, harmonis, loyal, adaptif, dan kolaboratif.",
		lessons: []relLesson{
			{"l-orientasi", "Berorientasi Pelayanan", "ASN memahami dan memenuhi kebutuhan masyarakat serta melakukan perbaikan tiada henti."},
			{"l-akuntabel", "Akuntabel dan Kompeten", "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, dan terus belajar mengembangkan kapabilitas."},
			{"l-harmonis", "Harmonis dan Kolaboratif", "Menghargai setiap orang apa pun latar belakangnya dan membangun kerja sama yang sinergis lintas unit."},
		}},
	{id: "r-pimpin", title: "Kepemimpinan Pengawas", category: "Manajerial", level: "lanjut",
		summary: "Memimpin tim kecil untuk mencapai sasaran kinerja unit.",
		body:    "Gaya kepemimpinan situasional, komunikasi, dan pengembangan staf.",
		lessons: []relLesson{
			{"l-delegasi", "Mendelegasikan Tugas", "Pengawas yang baik mendelegasikan pekerjaan sesuai kemampuan staf dan memantau hasilnya secara berkala."},
			{"l-coaching", "Coaching dan Mentoring", "Percakapan coaching membantu pegawai menemukan solusi sendiri untuk hambatan kinerjanya."},
			{"l-keputusan", "Pengambilan Keputusan", "Keputusan diambil berdasarkan data, mempertimbangkan risiko, dan dikomunikasikan dengan jelas kepada tim."},
			{"l-perubahan", "Memimpin Perubahan", "Pemimpin perubahan menyiapkan tim menghadapi transformasi birokrasi dan mengelola penolakan."},
		}},
	{id: "r-digital", title: "Transformasi Digital Pemerintahan", category: "Teknis", level: "menengah",
		summary: "Dari aplikasi yang tersebar menuju layanan digital yang terpadu.",
		body:    "SPBE, interoperabilitas data, keamanan informasi, dan digitalisasi layanan.",
		lessons: []relLesson{
			{"l-spbe", "Arsitektur SPBE", "Sistem Pemerintahan Berbasis Elektronik menyatukan proses bisnis, data, aplikasi, dan infrastruktur instansi."},
			{"l-satudata", "Satu Data Indonesia", "Data yang dihasilkan perangkat daerah harus memenuhi standar, memiliki metadata, dan dapat dibagipakaikan."},
			{"l-keamanan", "Keamanan Informasi", "Kata sandi yang kuat, autentikasi dua faktor, dan kewaspadaan terhadap phishing melindungi data warga."},
			{"l-digitalisasi", "Digitalisasi Perizinan", "Permohonan izin diajukan secara daring, dokumen diunggah, dan izin terbit dengan tanda tangan elektronik."},
		}},
	{id: "r-risiko", title: "Manajemen Risiko Sektor Publik", category: "Manajerial", level: "menengah",
		summary: "Mengenali dan mengendalikan hal yang menghambat sasaran organisasi.",
		body:    "Konteks, identifikasi, analisis, evaluasi, dan penanganan risiko.",
		lessons: []relLesson{
			{"l-identifikasi", "Identifikasi Risiko", "Unit kerja memetakan kejadian yang dapat menghambat pencapaian sasaran strategis."},
			{"l-analisis", "Analisis dan Evaluasi Risiko", "Setiap risiko dinilai kemungkinan dan dampaknya untuk menentukan levelnya pada peta risiko."},
			{"l-mitigasi", "Rencana Mitigasi", "Rencana tindak pengendalian menetapkan penanggung jawab, jadwal, dan biaya untuk menurunkan kemungkinan kejadian."},
			{"l-spip", "Pengendalian Intern Pemerintah", "SPIP memberi keyakinan memadai atas tercapainya tujuan organisasi melalui kegiatan yang efektif dan efisien."},
		}},
	{id: "r-k3", title: "Keselamatan dan Kesehatan Kerja Perkantoran", category: "Teknis", level: "dasar",
		summary: "K3 di gedung kantor pemerintah.",
		body:    "Bahaya kebakaran, gempa, dan penyakit akibat kerja di lingkungan kantor.",
		lessons: []relLesson{
			{"l-apar", "Alat Pemadam Api Ringan", "Pegawai dilatih memakai APAR dengan teknik tarik, arahkan, tekan, dan sapukan."},
			{"l-evakuasi", "Jalur Evakuasi Gedung", "Denah evakuasi dipasang di setiap lantai dan simulasi kebakaran dilakukan setahun sekali."},
			{"l-ergonomi", "Ergonomi Kerja di Depan Komputer", "Posisi layar sejajar mata dan istirahat peregangan tiap jam mencegah nyeri punggung."},
		}},
	{id: "r-kepegawaian", title: "Administrasi Kepegawaian", category: "Teknis", level: "dasar",
		summary: "Hak dan kewajiban administrasi bagi setiap pegawai.",
		body:    "Data pegawai, pangkat, jabatan, cuti, dan penilaian kinerja.",
		lessons: []relLesson{
			{"l-siasn", "Pemutakhiran Data SIASN", "Pegawai memperbarui riwayat jabatan, pendidikan, dan keluarga secara mandiri di SIASN."},
			{"l-kenaikan", "Kenaikan Pangkat", "Usul kenaikan pangkat reguler diajukan dua kali setahun dengan melampirkan penilaian kinerja dua tahun terakhir."},
			{"l-cuti", "Hak Cuti", "Cuti tahunan, cuti sakit, cuti melahirkan, dan cuti karena alasan penting diajukan melalui atasan langsung."},
			{"l-skp", "Sasaran Kinerja Pegawai", "SKP disusun bersama atasan dan dievaluasi setiap triwulan dalam dialog kinerja."},
		}},
	{id: "r-perencanaan", title: "Perencanaan Pembangunan Daerah", category: "Manajerial", level: "menengah",
		summary: "Dokumen rencana dari visi kepala daerah sampai kegiatan tahunan.",
		body:    "RPJPD, RPJMD, Renstra, RKPD, dan Renja perangkat daerah.",
		lessons: []relLesson{
			{"l-rpjmd", "RPJMD dan Renstra", "Rencana pembangunan jangka menengah daerah diturunkan menjadi rencana strategis perangkat daerah."},
			{"l-musrenbang", "Musrenbang Kelurahan", "Musyawarah perencanaan menampung usulan warga yang kemudian diprioritaskan di tingkat kecamatan dan kota."},
			{"l-monev", "Monitoring dan Evaluasi", "Capaian program dipantau tiap triwulan dan hasil evaluasi menjadi bahan rencana tahun berikutnya."},
		}},
	{id: "r-bahasa", title: "Bahasa Indonesia dalam Surat Dinas", category: "Sosial Kultural", level: "dasar",
		summary: "Menulis naskah dinas yang jelas, baku, dan santun.",
		body:    "Kaidah bahasa dan tata naskah dinas di lingkungan pemerintah kota.",
		lessons: []relLesson{
			{"l-surat", "Struktur Surat Dinas", "Surat dinas memuat kop, nomor, lampiran, hal, alamat tujuan, isi, serta tanda tangan pejabat."},
			{"l-ejaan", "Ejaan yang Disempurnakan", "Penulisan huruf kapital, tanda baca, dan kata baku mengikuti EYD edisi kelima."},
			{"l-notadinas", "Nota Dinas dan Memo", "Nota dinas dipakai untuk komunikasi internal antarpejabat dalam satu instansi."},
		}},
	{id: "r-pembelajaran", title: "Desain Pembelajaran bagi Widyaiswara", category: "Teknis", level: "lanjut",
		summary: "Merancang pelatihan yang membuat peserta benar-benar mampu.",
		body:    "Analisis kebutuhan, tujuan, metode, media, dan evaluasi pelatihan ASN.",
		lessons: []relLesson{
			{"l-andragogi", "Prinsip Andragogi", "Orang dewasa paling mudah menyerap materi dari pengalaman dan persoalan nyata di tempat kerja."},
			{"l-elearning", "Merancang Kelas E-Learning", "Materi daring dipecah menjadi modul pendek, dilengkapi kuis dan forum diskusi."},
			{"l-evaluasi", "Evaluasi Pelatihan", "Model Kirkpatrick mengukur reaksi, pengetahuan, perubahan perilaku, dan dampak bagi organisasi."},
			{"l-umpanbalik", "Umpan Balik Peserta", "Kuesioner umpan balik diisi peserta di akhir kelas untuk memperbaiki materi dan cara mengajar."},
		}},
	// Drafts: visible to their owner and admins only.
	{id: "r-pajak", title: "Pajak Daerah", category: "Teknis", level: "menengah", status: "draft",
		summary: "Pemungutan pajak daerah oleh Bapenda.",
		body:    "Jenis pajak daerah dan retribusi.",
		lessons: []relLesson{
			{"l-pbb", "Pajak Bumi dan Bangunan", "Penetapan NJOP dan penagihan PBB perdesaan dan perkotaan."},
			{"l-bphtb", "Bea Perolehan Hak atas Tanah", "BPHTB dibayar sebelum akta jual beli ditandatangani."},
		}},
	{id: "r-adminduk", title: "Pelayanan Administrasi Kependudukan", category: "Teknis", level: "dasar", status: "draft",
		summary: "Pelayanan dokumen kependudukan bagi warga.",
		body:    "Kartu keluarga, akta kelahiran, dan KTP elektronik.",
		lessons: []relLesson{
			{"l-ktp", "Perekaman KTP Elektronik", "Perekaman data biometrik untuk pelayanan KTP elektronik warga kota."},
		}},
}

// Relevance returns the relevance set as documents: one per course and
// one per lesson, as the content package feeds them.
func Relevance() []search.Doc {
	var out []search.Doc
	for _, c := range relCourses {
		status := c.status
		if status == "" {
			status = "published"
		}
		base := search.Doc{CourseID: c.id, Title: c.title, Summary: c.summary, Category: c.category,
			Level: c.level, Owners: []string{relOwner}, Status: status}
		course := base
		course.ID, course.Type, course.Body, course.JP = c.id, search.TypeCourse, c.body, 8
		out = append(out, course)
		for _, l := range c.lessons {
			d := base
			d.ID, d.Type, d.LessonID, d.LessonTitle, d.Body = c.id+"_"+l.id, search.TypeLesson, l.id, l.title, l.body
			out = append(out, d)
		}
	}
	return out
}

// relQuery is one query of the relevance set: some of want must be among
// the first top hits. A want ending in "*" stands for every entry of that
// course. cat filters by category.
type relQuery struct {
	text, cat string
	top       int
	want      []string
	kind      string // typo, affix, prefix, words, filter
}

var relQueries = []relQuery{
	// typos
	{kind: "typo", text: "pelayana", top: 3, want: []string{"r-pelayanan*"}},
	{kind: "typo", text: "kearsipn", top: 1, want: []string{"r-arsip*"}},
	{kind: "typo", text: "anggaaran", top: 3, want: []string{"r-anggaran*"}},
	{kind: "typo", text: "kepemimpnan", top: 1, want: []string{"r-pimpin*"}},
	{kind: "typo", text: "gratifkasi", top: 1, want: []string{"r-etika_l-gratifikasi"}},
	{kind: "typo", text: "mitgasi", top: 1, want: []string{"r-risiko_l-mitigasi"}},
	{kind: "typo", text: "evakuassi", top: 1, want: []string{"r-k3_l-evakuasi"}},
	{kind: "typo", text: "ergonmi", top: 1, want: []string{"r-k3_l-ergonomi"}},
	{kind: "typo", text: "pengadan", top: 3, want: []string{"r-pbj*"}},
	{kind: "typo", text: "disablitas", top: 1, want: []string{"r-mpp_l-disabilitas"}},
	// affixes
	{kind: "affix", text: "layanan", top: 3, want: []string{"r-mpp*", "r-pelayanan*"}},
	{kind: "affix", text: "belajar", top: 3, want: []string{"r-pembelajaran*"}},
	{kind: "affix", text: "mengarsipkan", top: 1, want: []string{"r-arsip*"}},
	{kind: "affix", text: "mengadukan", top: 1, want: []string{"r-pelayanan_l-pengaduan"}},
	{kind: "affix", text: "penganggaran", top: 3, want: []string{"r-anggaran*"}},
	{kind: "affix", text: "pemusnahan", top: 3, want: []string{"r-arsip_l-jra"}},
	{kind: "affix", text: "keselamatan", top: 1, want: []string{"r-k3*"}},
	{kind: "affix", text: "dilaporkan", top: 3, want: []string{"r-etika_l-gratifikasi"}},
	{kind: "affix", text: "pemimpin", top: 3, want: []string{"r-pimpin*"}},
	{kind: "affix", text: "menyusun", top: 3, want: []string{"r-pelayanan*", "r-pbj_l-hps", "r-pbj_l-tender"}},
	{kind: "affix", text: "pegawai", top: 3, want: []string{"r-kepegawaian*"}},
	// prefixes: search as you type
	{kind: "prefix", text: "pelay", top: 3, want: []string{"r-pelayanan*", "r-mpp*"}},
	{kind: "prefix", text: "digit", top: 3, want: []string{"r-digital*"}},
	{kind: "prefix", text: "kearsi", top: 1, want: []string{"r-arsip*"}},
	{kind: "prefix", text: "gratif", top: 1, want: []string{"r-etika_l-gratifikasi"}},
	{kind: "prefix", text: "srik", top: 1, want: []string{"r-arsip_l-srikandi"}},
	{kind: "prefix", text: "etika pel", top: 1, want: []string{"r-etika_l-etikalayan"}},
	// several words
	{kind: "words", text: "etika pelayanan", top: 1, want: []string{"r-etika_l-etikalayan"}},
	{kind: "words", text: "retensi arsip", top: 1, want: []string{"r-arsip_l-jra"}},
	{kind: "words", text: "katalog elektronik", top: 1, want: []string{"r-pbj_l-ekatalog"}},
	{kind: "words", text: "kenaikan pangkat", top: 1, want: []string{"r-kepegawaian_l-kenaikan"}},
	{kind: "words", text: "keamanan informasi", top: 1, want: []string{"r-digital_l-keamanan"}},
	{kind: "words", text: "survei kepuasan masyarakat", top: 1, want: []string{"r-pelayanan_l-ikm"}},
	{kind: "words", text: "surat dinas", top: 1, want: []string{"r-bahasa*"}},
	{kind: "words", text: "peta risiko", top: 1, want: []string{"r-risiko_l-analisis"}},
	{kind: "words", text: "tanda tangan elektronik", top: 1, want: []string{"r-digital_l-digitalisasi"}},
	{kind: "words", text: "cuti melahirkan", top: 1, want: []string{"r-kepegawaian_l-cuti"}},
	{kind: "words", text: "bertanggung jawab", top: 3, want: []string{"r-berakhlak_l-akuntabel", "r-risiko_l-mitigasi"}},
	// filters
	{kind: "filter", text: "layanan", cat: "Sosial Kultural", top: 3, want: []string{"r-etika_l-etikalayan", "r-berakhlak*"}},
	{kind: "filter", text: "kinerja", cat: "Manajerial", top: 3, want: []string{"r-anggaran*"}},
	{kind: "filter", text: "data", cat: "Teknis", top: 3, want: []string{"r-digital_l-satudata", "r-kepegawaian_l-siasn"}},
	{kind: "filter", text: "evaluasi", cat: "Manajerial", top: 3, want: []string{"r-risiko_l-analisis", "r-perencanaan_l-monev"}},
}

// matches reports whether the hit id is what want names.
func matches(want, id string) bool {
	if course, ok := strings.CutSuffix(want, "*"); ok {
		return id == course || strings.HasPrefix(id, course+"_")
	}
	return id == want
}

func runRelevance(t *testing.T, open func(t *testing.T) search.Index) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	idx := open(t)
	docs := Relevance()
	if err := idx.Upsert(ctx, docs...); err != nil {
		t.Fatalf("Upsert relevance set: %v", err)
	}
	byID := map[string]search.Doc{}
	for _, d := range docs {
		byID[d.ID] = d
	}

	t.Run("Queries", func(t *testing.T) {
		passed := 0
		for _, rq := range relQueries {
			res := mustSearch(t, ctx, idx, search.Query{Text: rq.text, Category: rq.cat, Limit: 10})
			got := ids(res)
			ok := false
			for _, id := range got[:min(rq.top, len(got))] {
				for _, w := range rq.want {
					ok = ok || matches(w, id)
				}
			}
			if ok {
				passed++
			} else {
				t.Errorf("%s %q (category %q): want one of %v in the top %d, got %v", rq.kind, rq.text, rq.cat, rq.want, rq.top, got)
			}
			for _, h := range res.Hits {
				d := byID[h.ID]
				if d.Status != "published" {
					t.Errorf("%q: draft %s visible", rq.text, h.ID)
				}
				if rq.cat != "" && d.Category != rq.cat {
					t.Errorf("%q in %s: hit %s is %s", rq.text, rq.cat, h.ID, d.Category)
				}
				if s := strings.ReplaceAll(strings.ReplaceAll(h.Snippet, snippetOpen, ""), snippetClose, ""); strings.ContainsAny(s, "<>") {
					t.Errorf("%q: %s: unescaped markup in snippet %q", rq.text, h.ID, h.Snippet)
				}
			}
		}
		t.Logf("relevance: %d of %d queries pass", passed, len(relQueries))
	})

	t.Run("StemmedFormsMeet", func(t *testing.T) {
		// The promise: "layanan" finds "pelayanan", "belajar"
		// finds "pembelajaran", and the snippet marks the word as written.
		res := mustSearch(t, ctx, idx, search.Query{Text: "layanan", Limit: 50})
		h := find(t, res, "r-pelayanan")
		if !strings.Contains(h.Snippet, "<mark>Pelayanan</mark>") && !strings.Contains(h.Snippet, "<mark>pelayanan</mark>") {
			t.Errorf("layanan: r-pelayanan snippet %q does not mark pelayanan", h.Snippet)
		}
		res = mustSearch(t, ctx, idx, search.Query{Text: "belajar", Limit: 50})
		h = find(t, res, "r-pembelajaran")
		if !strings.Contains(h.Snippet, "<mark>Pembelajaran</mark>") {
			t.Errorf("belajar: r-pembelajaran snippet %q does not mark Pembelajaran", h.Snippet)
		}
		res = mustSearch(t, ctx, idx, search.Query{Text: "arsip", Limit: 50})
		find(t, res, "r-arsip_l-srikandi") // only "kearsipan" there
	})

	t.Run("ExactBeforeTypo", func(t *testing.T) {
		// "modal" is one typo from "model": the exact word in a body
		// outranks the typo in a title, as Meilisearch ranks typo before
		// attribute.
		idx := open(t)
		err := idx.Upsert(ctx,
			search.Doc{ID: "m-model", Type: search.TypeCourse, CourseID: "m-model", Title: "Kota Model Ramah Anak",
				Summary: "Program kota layak anak.", Body: "Taman bermain dan ruang laktasi.", Category: "Teknis", Status: "published"},
			search.Doc{ID: "m-modal", Type: search.TypeCourse, CourseID: "m-modal", Title: "Investasi Daerah",
				Summary: "Kerja sama dengan badan usaha.", Body: "Penyertaan modal daerah kepada BUMD dan evaluasi kinerjanya setiap tahun anggaran.",
				Category: "Teknis", Status: "published"})
		if err != nil {
			t.Fatal(err)
		}
		res := mustSearch(t, ctx, idx, search.Query{Text: "modal"})
		if got := ids(res); len(got) != 2 || got[0] != "m-modal" {
			t.Errorf("modal: hits %v, want m-modal (exact, body) before m-model (typo, title)", got)
		}
	})

	t.Run("DraftsInvisible", func(t *testing.T) {
		for _, text := range []string{"pajak", "kependudukan", "ktp", "bphtb"} {
			res := mustSearch(t, ctx, idx, search.Query{Text: text})
			if len(res.Hits) != 0 || res.Total != 0 {
				t.Errorf("%q: drafts visible: %v", text, ids(res))
			}
			res = mustSearch(t, ctx, idx, search.Query{Text: text, Owner: relOwner})
			if len(res.Hits) == 0 {
				t.Errorf("%q: the owner does not see their draft", text)
			}
		}
		// A published course on the same words is still found.
		res := mustSearch(t, ctx, idx, search.Query{Text: "pelayanan", Limit: 100})
		for _, h := range res.Hits {
			if strings.HasPrefix(h.ID, "r-adminduk") {
				t.Errorf("pelayanan: draft %s visible", h.ID)
			}
		}
		if len(res.Hits) == 0 {
			t.Error("pelayanan: nothing published found")
		}
	})

	t.Run("Facets", func(t *testing.T) {
		res := mustSearch(t, ctx, idx, search.Query{Text: "evaluasi"})
		sum := 0
		for cat, n := range res.Facets {
			if cat == "" || n <= 0 {
				t.Errorf("facet %q = %d", cat, n)
			}
			sum += n
		}
		if sum != res.Total {
			t.Errorf("facets %v add up to %d, Total %d", res.Facets, sum, res.Total)
		}
	})
}
