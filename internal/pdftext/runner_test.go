package pdftext

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotalama/kompeten/internal/pdftext/pdftexttest"
)

// The test binary is the child too: the package's init hook answers
// before any test runs.

func TestRunnerText(t *testing.T) {
	got, err := Runner{}.Text(context.Background(), bytes.NewReader(fpdfDoc(t)))
	if err != nil {
		t.Fatal(err)
	}
	wantWords(t, got, "Pelayanan publik yang prima", "kearsipan digital")
}

func TestRunnerSelfKids(t *testing.T) {
	// The cycle is found, not waited out: the error says so, where a
	// timeout would be reported as the child killed.
	_, err := Runner{Timeout: 30 * time.Second}.Text(context.Background(), bytes.NewReader(selfKidsPDF()))
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "dirinya sendiri") {
		t.Fatalf("err = %v, want the cycle reported", err)
	}
}

func TestRunnerCapsText(t *testing.T) {
	got, err := Runner{Limits: Limits{Text: 5000}}.Text(context.Background(), bytes.NewReader(bombPDF(1<<20)))
	if err != nil || len(got) > 5000 || len(got) < 4900 {
		t.Fatalf("got %d bytes, err %v", len(got), err)
	}
}

var giantOnce = sync.OnceValue(func() []byte { return pdftexttest.GiantToken(64 << 20) })

func TestRunnerMemoryLimit(t *testing.T) {
	r := Runner{Memory: 32 << 20, Limits: Limits{Stream: 1 << 40}}
	_, err := r.Text(context.Background(), bytes.NewReader(giantOnce()))
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want the child stopped by its memory limit", err)
	}
	t.Log(err)
}

func TestRunnerTimeout(t *testing.T) {
	r := Runner{Timeout: 100 * time.Millisecond, Limits: Limits{Stream: 1 << 40}, Memory: 4 << 30}
	start := time.Now()
	_, err := r.Text(context.Background(), bytes.NewReader(giantOnce()))
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "lebih dari 100ms") {
		t.Fatalf("err = %v, want the timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a timed-out child took %v to end", d)
	}
}

// The caller's context ending is not the file's fault: no ErrUnreadable,
// so nothing is recorded against it.
func TestRunnerCanceled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Runner{Limits: Limits{Stream: 1 << 40}, Memory: 4 << 30}.Text(ctx, bytes.NewReader(giantOnce()))
	if err == nil || errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want the context's", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("blob hilang") }

func TestRunnerReadError(t *testing.T) {
	_, err := Runner{}.Text(context.Background(), failingReader{})
	if err == nil || errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "blob hilang") {
		t.Fatalf("err = %v, want the reader's error, retryable", err)
	}
}
