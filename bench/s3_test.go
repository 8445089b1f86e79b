package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

const (
	bigSize = 1 << 30
	// mp4Head sniffs as MP4 (an ftyp box), so the server accepts the file.
	mp4Head = "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
	// uploadParallel is how many parts the browser uploader sends at once.
	uploadParallel = 4
	directKey      = "bench/direct-1gib.mp4"
)

// s3Fixture is shared by the three MinIO benchmarks: one MinIO bucket, one
// kompeten server storing objects there, the trainer's token and course,
// and the 1 GiB file. Upload1GiB fills in the asset; the later benchmarks
// upload it themselves (unmeasured) when run alone.
type s3Fixture struct {
	srv    *server
	mc     *minio.Client
	bucket string
	hc     *http.Client
	token  string
	course string
	file   string

	mu       sync.Mutex
	asset    string // uploaded through the API
	directUp bool   // directKey written by minio-go
}

var (
	s3Once sync.Once
	s3Fx   *s3Fixture
)

// s3Setup returns the shared fixture, skipping when there is no MinIO.
func s3Setup(b *testing.B) *s3Fixture {
	b.Helper()
	// Start is once-guarded itself and skips without a binary. Its
	// bucket belongs to b; the fixture makes its own, which lives until
	// MinIO stops at the end of the run.
	cfg := s3test.Start(b)
	s3Once.Do(func() {
		fx := &s3Fixture{bucket: "kompeten-bench-" + randomHex(4), hc: newClient(64)}
		blobsURL := (&url.URL{Scheme: "s3", User: url.UserPassword(cfg.AccessKey, cfg.SecretKey), Host: cfg.Endpoint,
			Path: "/" + fx.bucket, RawQuery: "secure=false"}).String()
		fx.srv = startServer(b, "s3", "KOMPETEN_BLOBS="+blobsURL)
		tr, err := minio.DefaultTransport(false)
		if err != nil {
			b.Fatal(err)
		}
		// The same pool size as the bench's own client, so MinIO direct is
		// not slowed by connection churn under 200 clients.
		tr.MaxIdleConnsPerHost = 256
		fx.mc, err = minio.New(cfg.Endpoint, &minio.Options{
			Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: false, Transport: tr})
		if err != nil {
			b.Fatal(err)
		}
		fx.token = token(b, fx.hc, fx.srv.Base, trainerNIP)
		c := call(b, fx.hc, "POST", fx.srv.Base+"/api/v1/courses", fx.token,
			map[string]any{"title": "Bench Video 1 GiB", "category": "Teknis", "jp": 1}, 201)
		fx.course = str(b, c, "id")
		fx.file = makeBigFile(b)
		s3Fx = fx
	})
	if s3Fx == nil {
		b.Fatal("s3 fixture failed in an earlier benchmark")
	}
	return s3Fx
}

// makeBigFile writes 1 GiB of pseudo-random bytes that start like an MP4.
func makeBigFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(work(b), "video-1gib.mp4")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	atExit(func() { os.Remove(path) })
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.NewChaCha8([32]byte{'k', 'o', 'm', 'p', 'e', 't', 'e', 'n'})
	buf := make([]byte, 1<<20)
	for i := 0; i < bigSize>>20; i++ {
		rng.Read(buf)
		if i == 0 {
			copy(buf, mp4Head)
		}
		if _, err := w.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// uploadTimes is where the time of one API upload went.
type uploadTimes struct {
	create, parts, complete time.Duration
}

func (t uploadTimes) total() time.Duration { return t.create + t.parts + t.complete }

// apiUpload runs the part protocol like the browser uploader: create,
// uploadParallel parts at a time streamed from the file, complete.
func (fx *s3Fixture) apiUpload(b *testing.B) (string, uploadTimes) {
	b.Helper()
	var t uploadTimes
	t0 := time.Now()
	up := call(b, fx.hc, "POST", fx.srv.Base+"/api/v1/uploads", fx.token,
		map[string]any{"filename": "video-1gib.mp4", "size": bigSize, "course_id": fx.course}, 201)
	id := str(b, up, "id")
	partSize := int64(up["part_size"].(float64))
	parts := int(up["parts"].(float64))
	t.create = time.Since(t0)

	f, err := os.Open(fx.file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	t1 := time.Now()
	ns := make(chan int, parts)
	for n := 1; n <= parts; n++ {
		ns <- n
	}
	close(ns)
	errc := make(chan error, uploadParallel)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range uploadParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range ns {
				if ctx.Err() != nil {
					return
				}
				off := int64(n-1) * partSize
				size := min(partSize, bigSize-off)
				req, err := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("%s/api/v1/uploads/%s/parts/%d", fx.srv.Base, id, n),
					io.NewSectionReader(f, off, size))
				if err != nil {
					errc <- err
					cancel()
					return
				}
				req.ContentLength = size
				req.Header.Set("Authorization", "Bearer "+fx.token)
				req.Header.Set("Content-Type", "application/octet-stream")
				res, err := fx.hc.Do(req)
				if err != nil {
					errc <- fmt.Errorf("part %d: %w", n, err)
					cancel()
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					errc <- fmt.Errorf("part %d: status %d: %s", n, res.StatusCode, body)
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	t.parts = time.Since(t1)

	t2 := time.Now()
	asset := call(b, fx.hc, "POST", fx.srv.Base+"/api/v1/uploads/"+id+"/complete", fx.token, nil, 201)
	t.complete = time.Since(t2)
	if sz := int64(asset["size"].(float64)); sz != bigSize {
		b.Fatalf("asset size %d, want %d", sz, bigSize)
	}
	if ct, _ := asset["content_type"].(string); ct != "video/mp4" {
		b.Logf("asset content_type %q (expected video/mp4)", ct)
	}
	return str(b, asset, "id"), t
}

// directUpload is minio-go's PutObject of the same file, streamed from it
// with its size (default options: 16 MiB parts, 4 in parallel).
func (fx *s3Fixture) directUpload(b *testing.B) time.Duration {
	b.Helper()
	f, err := os.Open(fx.file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	info, err := fx.mc.PutObject(ctx, fx.bucket, directKey, f, bigSize, minio.PutObjectOptions{ContentType: "video/mp4"})
	d := time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	if info.Size != bigSize {
		b.Fatalf("direct put size %d", info.Size)
	}
	return d
}

// freshServer restarts the server, so what a benchmark measures (RSS
// above all) is not left over from the one before.
func (fx *s3Fixture) freshServer(b *testing.B) {
	b.Helper()
	fx.hc.CloseIdleConnections()
	fx.srv.restart(b)
}

// s3Asset is the fixture, the asset uploaded through the API and its
// object's key, for the benchmarks that read it.
func s3Asset(b *testing.B) (fx *s3Fixture, asset, key string) {
	fx = s3Setup(b)
	asset = fx.ensureAsset(b)
	return fx, asset, "assets/" + fx.course + "/" + asset
}

// ensureAsset uploads the file through the API, unmeasured, if no earlier
// benchmark did.
func (fx *s3Fixture) ensureAsset(b *testing.B) string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	if fx.asset == "" {
		fx.asset, _ = fx.apiUpload(b)
	}
	if !fx.directUp {
		fx.directUpload(b)
		fx.directUp = true
	}
	return fx.asset
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

// median of the per-iteration figures: one slow run of either side (MinIO
// alone swings by a third from run to run here) moves a mean, not this.
func median(xs []float64) float64 {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	if len(ys) == 0 {
		return 0
	}
	if len(ys)%2 == 1 {
		return ys[len(ys)/2]
	}
	return (ys[len(ys)/2-1] + ys[len(ys)/2]) / 2
}

// rounds is how many times each 1 GiB pair runs per benchmark iteration.
const rounds = 5

// BenchmarkUpload1GiB: the part API (uploadParallel parts in flight, like
// the browser) against minio-go's PutObject straight to the same MinIO,
// one after the other in each round. Figures are medians over the rounds.
func BenchmarkUpload1GiB(b *testing.B) {
	fx := s3Setup(b)
	fx.mu.Lock()
	defer fx.mu.Unlock()
	var apis, dirs, ratios, peaks []float64
	b.ResetTimer()
	for range b.N * rounds {
		w := watchRSS(fx.srv.Pid())
		asset, t := fx.apiUpload(b)
		peak, _, startRSS := w.Stop()
		direct := fx.directUpload(b)
		fx.asset, fx.directUp = asset, true

		api, dir := mbps(bigSize, t.total()), mbps(bigSize, direct)
		apis, dirs, ratios, peaks = append(apis, api), append(dirs, dir), append(ratios, api/dir), append(peaks, peak)
		b.Logf("api upload %v (create %v, parts %v, complete %v) = %.0f MB/s; direct PutObject %v = %.0f MB/s; ratio %.2f; server RSS %.1f MB at start, %.1f MB peak",
			t.total().Round(time.Millisecond), t.create.Round(time.Millisecond), t.parts.Round(time.Millisecond),
			t.complete.Round(time.Millisecond), api, direct.Round(time.Millisecond), dir, api/dir, startRSS, peak)
	}
	b.ReportMetric(median(apis), "api_MBps")
	b.ReportMetric(median(dirs), "direct_MBps")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(slices.Max(peaks), "server_peak_RSS_MB")
}

// BenchmarkMediaRead1GiB: GET /media/{asset} (owner's bearer token) to
// io.Discard against minio-go's GetObject of the same object, and, as a
// control, through proxyfloor: the least a proxy process can do. The
// three reads of a round run in rotating order. Figures are medians over
// the rounds.
func BenchmarkMediaRead1GiB(b *testing.B) {
	fx, asset, key := s3Asset(b)
	buf := getBuf()
	defer bufPool.Put(buf)
	floor := fx.startProxyFloor(b, key)
	fx.freshServer(b)
	// MinIO writes objects with O_DIRECT, so the first read after the
	// upload comes from the disk, not the page cache: read it once,
	// unmeasured, or round 0's first side pays for both.
	fx.directRead(b, key, *buf)
	var medias, dirs, floors, ratios, floorRatios, peaks []float64
	// CPU seconds per GiB of each process, through /media, through the
	// floor proxy and straight: on 2 cores the processes share, they bound
	// the ratio.
	var cpuThrough, cpuFloor, cpuDirect []cpuSplit
	b.ResetTimer()
	for i := range b.N * mediaRounds {
		var media, direct, viaFloor, ttfb time.Duration
		var peak float64
		sides := []func(){
			func() {
				w := watchRSS(fx.srv.Pid())
				c0 := fx.cpu(fx.srv.Pid())
				media, ttfb = fx.mediaRead(b, asset, *buf)
				cpuThrough = append(cpuThrough, fx.cpu(fx.srv.Pid()).since(c0))
				peak, _, _ = w.Stop()
			},
			func() {
				c0 := fx.cpu(0)
				direct = fx.directRead(b, key, *buf)
				cpuDirect = append(cpuDirect, fx.cpu(0).since(c0))
			},
			func() {
				c0 := fx.cpu(floor.pid)
				viaFloor = fx.floorRead(b, floor.url, *buf)
				cpuFloor = append(cpuFloor, fx.cpu(floor.pid).since(c0))
			},
		}
		for j := range sides {
			sides[(i+j)%len(sides)]()
		}
		m, d, f := mbps(bigSize, media), mbps(bigSize, direct), mbps(bigSize, viaFloor)
		medias, dirs, floors = append(medias, m), append(dirs, d), append(floors, f)
		ratios, floorRatios, peaks = append(ratios, m/d), append(floorRatios, f/d), append(peaks, peak)
		b.Logf("media %v (first byte after %v) = %.0f MB/s; minio direct %v = %.0f MB/s; floor proxy %v = %.0f MB/s; ratio %.2f, floor's %.2f",
			media.Round(time.Millisecond), ttfb.Round(time.Millisecond), m, direct.Round(time.Millisecond), d,
			viaFloor.Round(time.Millisecond), f, m/d, f/d)
	}
	b.ReportMetric(median(medias), "media_MBps")
	b.ReportMetric(median(dirs), "minio_MBps")
	b.ReportMetric(median(floors), "floor_MBps")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(floorRatios), "floor_ratio")
	b.ReportMetric(slices.Max(peaks), "server_peak_RSS_MB")
	th, fl, di := medianSplit(cpuThrough), medianSplit(cpuFloor), medianSplit(cpuDirect)
	b.Logf("CPU s per GiB (medians), through /media: server %.2f, MinIO %.2f, client %.2f (%.2f in all); through the floor proxy: proxy %.2f, MinIO %.2f, client %.2f (%.2f); straight: MinIO %.2f, client %.2f (%.2f)",
		th.server, th.minio, th.client, th.total(), fl.server, fl.minio, fl.client, fl.total(), di.minio, di.client, di.total())
	b.ReportMetric(th.server, "server_cpu_s/GiB")
	b.ReportMetric(th.total(), "through_cpu_s/GiB")
	b.ReportMetric(fl.total(), "floor_cpu_s/GiB")
	b.ReportMetric(di.total(), "straight_cpu_s/GiB")
}

// BenchmarkMediaPresigned1GiB: what KOMPETEN_MEDIA_PRESIGN buys. The
// server restarts with it on; GET /media/{asset} with the owner's session
// cookie, as a browser sends it, is redirected to MinIO, and the client
// follows. Against GetObject, alternating, as in MediaRead1GiB.
func BenchmarkMediaPresigned1GiB(b *testing.B) {
	fx, asset, key := s3Asset(b)
	buf := getBuf()
	defer bufPool.Put(buf)
	env := fx.srv.env
	fx.srv.env = append(slices.Clip(env), "KOMPETEN_MEDIA_PRESIGN=true")
	fx.freshServer(b)
	defer func() {
		fx.srv.env = env
		fx.freshServer(b)
	}()
	session := pageLogin(b, fx.srv.Base, trainerNIP)
	fx.directRead(b, key, *buf) // from the disk into the page cache, unmeasured
	var ratios, presigned, dirs []float64
	b.ResetTimer()
	for i := range b.N * rounds {
		var p, d time.Duration
		sides := []func(){
			func() { p = fx.presignedRead(b, asset, session) },
			func() { d = fx.directRead(b, key, *buf) },
		}
		sides[i%2]()
		sides[(i+1)%2]()
		pm, dm := mbps(bigSize, p), mbps(bigSize, d)
		presigned, dirs, ratios = append(presigned, pm), append(dirs, dm), append(ratios, pm/dm)
		b.Logf("presigned %v = %.0f MB/s; minio direct %v = %.0f MB/s; ratio %.2f",
			p.Round(time.Millisecond), pm, d.Round(time.Millisecond), dm, pm/dm)
	}
	b.ReportMetric(median(presigned), "presigned_MBps")
	b.ReportMetric(median(dirs), "minio_MBps")
	b.ReportMetric(median(ratios), "ratio")
}

// presignedRead reads the asset the way a browser does with presigning
// on: /media with the session cookie, then the URL it redirects to.
func (fx *s3Fixture) presignedRead(b *testing.B, asset string, session *http.Cookie) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "GET", fx.srv.Base+"/media/"+asset, nil)
	req.AddCookie(session)
	res, err := fx.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	buf := getBuf()
	defer bufPool.Put(buf)
	n, err := discard(res.Body, *buf)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || n != bigSize || res.Request.URL.Host == req.URL.Host {
		b.Fatalf("presigned read: status %d from %s, %d bytes, %v; want 200 from MinIO", res.StatusCode, res.Request.URL.Host, n, err)
	}
	return time.Since(t0)
}

// mediaRounds is how many rounds of three 1 GiB reads MediaRead1GiB runs
// per iteration: more than the upload's, as single reads swing by a fifth.
const mediaRounds = 7

// proxyFloor is a running proxyfloor process.
type proxyFloor struct {
	url string
	pid int
}

// startProxyFloor runs proxyfloor in front of a presigned URL of key; it
// stops when the test binary ends.
func (fx *s3Fixture) startProxyFloor(b *testing.B, key string) proxyFloor {
	b.Helper()
	bin := proxyFloorBin.build(b, "./bench/proxyfloor", "proxyfloor")
	target, err := fx.mc.PresignedGetObject(context.Background(), fx.bucket, key, 6*time.Hour, nil)
	if err != nil {
		b.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(b))
	cmd := exec.Command(bin, addr, target.String())
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	atExit(func() { cmd.Process.Kill(); cmd.Wait() })
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			b.Fatalf("proxyfloor did not listen on %s", addr)
		}
	}
	return proxyFloor{url: "http://" + addr + "/", pid: cmd.Process.Pid}
}

// floorRead reads the whole object through the floor proxy.
func (fx *s3Fixture) floorRead(b *testing.B, url string, buf []byte) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := fx.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, err := discard(res.Body, buf)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || n != bigSize {
		b.Fatalf("floor proxy: status %d, %d bytes, %v", res.StatusCode, n, err)
	}
	return time.Since(t0)
}

// cpuSplit is CPU time by process: the proxy (server), MinIO and this client.
type cpuSplit struct{ server, minio, client float64 }

// cpu reads the CPU time used so far by proxy (the server, the floor
// proxy, or none: 0), MinIO and this process.
func (fx *s3Fixture) cpu(proxy int) cpuSplit {
	return cpuSplit{procCPU(proxy).Seconds(), procCPU(s3test.Pid()).Seconds(), selfCPU().Seconds()}
}

// since is the CPU used from c0 to c, per GiB read.
func (c cpuSplit) since(c0 cpuSplit) cpuSplit {
	per := float64(bigSize) / (1 << 30)
	return cpuSplit{(c.server - c0.server) / per, (c.minio - c0.minio) / per, (c.client - c0.client) / per}
}

func (c cpuSplit) total() float64 { return c.server + c.minio + c.client }

func medianSplit(cs []cpuSplit) cpuSplit {
	pick := func(f func(cpuSplit) float64) float64 {
		v := make([]float64, len(cs))
		for i, c := range cs {
			v[i] = f(c)
		}
		return median(v)
	}
	return cpuSplit{
		pick(func(c cpuSplit) float64 { return c.server }),
		pick(func(c cpuSplit) float64 { return c.minio }),
		pick(func(c cpuSplit) float64 { return c.client }),
	}
}

// mediaRead reads the whole asset through /media.
func (fx *s3Fixture) mediaRead(b *testing.B, asset string, buf []byte) (total, ttfb time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "GET", fx.srv.Base+"/media/"+asset, nil)
	req.Header.Set("Authorization", "Bearer "+fx.token)
	res, err := fx.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	ttfb = time.Since(t0)
	n, err := discard(res.Body, buf)
	res.Body.Close()
	total = time.Since(t0)
	if err != nil || res.StatusCode != 200 || n != bigSize {
		b.Fatalf("media: status %d, %d bytes, %v", res.StatusCode, n, err)
	}
	return total, ttfb
}

// directRead reads the object the API upload wrote straight from MinIO.
func (fx *s3Fixture) directRead(b *testing.B, key string, buf []byte) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	obj, err := fx.mc.GetObject(ctx, fx.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	n, err := discard(obj, buf)
	obj.Close()
	if err != nil || n != bigSize {
		b.Fatalf("direct get %s: %d bytes, %v", key, n, err)
	}
	return time.Since(t0)
}

const (
	rangeClients = 200
	rangeTotal   = 4000
	rangeSize    = 1 << 20
	rangeLimit   = 90 * time.Second
)

// BenchmarkRandomRanges: 200 clients reading random 1 MiB ranges of the
// object, through /media and straight from MinIO.
func BenchmarkRandomRanges(b *testing.B) {
	fx, asset, key := s3Asset(b)
	hc := newClient(rangeClients)
	defer hc.CloseIdleConnections()
	fx.freshServer(b)
	offset := func(i int) int64 {
		// The same pseudo-random offsets for both sides.
		r := rand.New(rand.NewPCG(uint64(i), 42))
		return r.Int64N(bigSize - rangeSize + 1)
	}
	b.ResetTimer()
	for range b.N {
		w := watchRSS(fx.srv.Pid())
		cpu0 := fx.srv.cpuTime()
		media := runLoad(rangeClients, rangeTotal, rangeLimit, func(ctx context.Context, i int) (int64, error) {
			a := offset(i)
			req, _ := http.NewRequestWithContext(ctx, "GET", fx.srv.Base+"/media/"+asset, nil)
			req.Header.Set("Authorization", "Bearer "+fx.token)
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", a, a+rangeSize-1))
			res, err := hc.Do(req)
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			buf := getBuf()
			defer bufPool.Put(buf)
			n, err := discard(res.Body, *buf)
			if err != nil {
				return n, err
			}
			if res.StatusCode != 206 || n != rangeSize {
				return n, fmt.Errorf("%w: %d, %d bytes", errStatus, res.StatusCode, n)
			}
			return n, nil
		})
		peak, hwm, startRSS := w.Stop()
		serverCPU := fx.srv.cpuTime() - cpu0
		direct := runLoad(rangeClients, rangeTotal, rangeLimit, func(ctx context.Context, i int) (int64, error) {
			a := offset(i)
			var opts minio.GetObjectOptions
			if err := opts.SetRange(a, a+rangeSize-1); err != nil {
				return 0, err
			}
			obj, err := fx.mc.GetObject(ctx, fx.bucket, key, opts)
			if err != nil {
				return 0, err
			}
			defer obj.Close()
			buf := getBuf()
			defer bufPool.Put(buf)
			n, err := discard(obj, *buf)
			if err == nil && n != rangeSize {
				err = fmt.Errorf("%w: %d bytes", errStatus, n)
			}
			return n, err
		})
		for _, r := range []struct {
			name string
			res  *loadResult
		}{{"media", media}, {"minio", direct}} {
			b.ReportMetric(r.res.pct(50), "p50_"+r.name+"_ms")
			b.ReportMetric(r.res.pct(99), "p99_"+r.name+"_ms")
			b.ReportMetric(r.res.rps(), r.name+"_req/s")
			b.ReportMetric(float64(r.res.errs), r.name+"_errors")
			if r.res.firstErr != nil {
				b.Logf("%s: %d errors, first: %v", r.name, r.res.errs, r.res.firstErr)
			}
			b.Logf("%s: %d ranges of 1 MiB in %v (%.0f MB/s), p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
				r.name, len(r.res.lat), r.res.wall.Round(time.Millisecond), mbps(r.res.bytes, r.res.wall),
				r.res.pct(50), r.res.pct(90), r.res.pct(99), r.res.pct(100))
		}
		b.ReportMetric(peak, "server_peak_RSS_MB")
		b.ReportMetric(hwm, "server_HWM_MB")
		b.ReportMetric(startRSS, "server_start_RSS_MB")
		b.Logf("server CPU during the /media ranges: %v (%.2f ms per range)", serverCPU.Round(time.Millisecond),
			float64(serverCPU.Microseconds())/1000/float64(max(1, len(media.lat))))
	}
}
