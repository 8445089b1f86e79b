package pdftext

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"time"
)

// childEnv marks a process started by Runner: it reads one PDF on stdin,
// writes its text on stdout and exits. Its value carries the limits.
const childEnv = "KOMPETEN_PDFTEXT_CHILD"

// The hook lives in init, not in main: every binary that links Runner must
// be able to act as its child, test binaries included, and a child must
// never run the program it was started from.
func init() {
	spec, ok := os.LookupEnv(childEnv)
	if !ok {
		return
	}
	os.Exit(childMain(spec, os.Stdin, os.Stdout, os.Stderr))
}

// Runner extracts text in a child process of the running binary, so that a
// PDF which makes the library loop, recurse or allocate without end costs
// at most Timeout, Memory and Text, and never the server.
type Runner struct {
	// Timeout is the most wall-clock time one file may take.
	Timeout time.Duration
	// Memory is the most address space the child may add to what it
	// starts with (RLIMIT_AS on Linux; elsewhere only a soft GC target).
	Memory int64
	// Input is the largest PDF read; larger ones are refused.
	Input int64
	// Limits are passed to Extract in the child.
	Limits Limits
	// Exe is the binary to run; empty means the running one.
	Exe string
}

// Runner defaults.
const (
	DefaultTimeout = 20 * time.Second
	DefaultMemory  = 512 << 20
	DefaultInput   = 32 << 20
)

func (r Runner) withDefaults() Runner {
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.Memory <= 0 {
		r.Memory = DefaultMemory
	}
	if r.Input <= 0 {
		r.Input = DefaultInput
	}
	r.Limits = r.Limits.withDefaults()
	return r
}

// Text extracts the text of the PDF read from pdf. Errors wrapping
// ErrUnreadable are about the file (and come with whatever text was read);
// any other error (the context ended, the child could not start, reading
// pdf failed) says nothing about the file and is worth retrying.
func (r Runner) Text(ctx context.Context, pdf io.Reader) (string, error) {
	r = r.withDefaults()
	exe := r.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", fmt.Errorf("pdf text: %w", err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, exe)
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("%s=%d,%d,%d,%d,%d,%d,%d", childEnv, r.Memory, r.Input,
			r.Limits.Text, r.Limits.Pages, r.Limits.Depth, r.Limits.Stream, r.Limits.Ops),
		"GOMAXPROCS=1", "GOTRACEBACK=single")
	cmd.SysProcAttr = childAttr()
	in := &readErr{r: pdf}
	cmd.Stdin = in
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &capped{buf: &stdout, max: r.Limits.Text + 1}
	cmd.Stderr = &capped{buf: &stderr, max: 4 << 10}
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case in.err != nil:
		return "", fmt.Errorf("pdf text: read: %w", in.err)
	case ctx.Err() != nil:
		return "", ctx.Err()
	case cctx.Err() != nil:
		return "", unreadable("lebih dari %v", r.Timeout)
	case stdout.Len() > r.Limits.Text:
		return "", unreadable("teks lebih dari %d bait", r.Limits.Text)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), nil
	case errors.As(err, &ee) && ee.ExitCode() == exitUnreadable:
		return stdout.String(), fmt.Errorf("%w: %s", ErrUnreadable, firstLine(stderr.String()))
	case errors.As(err, &ee):
		// The runtime died (out of memory, stack exhausted) or was killed.
		return "", unreadable("proses pembaca berhenti (%v): %s", ee, firstLine(stderr.String()))
	default:
		return "", fmt.Errorf("pdf text: %w", err)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// readErr remembers a failure of the caller's reader, which the child
// would only see as a truncated file.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// capped keeps the first max bytes and drops the rest, so a child that
// writes without end costs the parent nothing.
type capped struct {
	buf *bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

const exitUnreadable = 3

// childMain is the child's whole life: limit itself, read, extract, write.
func childMain(spec string, stdin io.Reader, stdout, stderr io.Writer) int {
	var r Runner
	l := &r.Limits
	if _, err := fmt.Sscanf(spec, "%d,%d,%d,%d,%d,%d,%d", &r.Memory, &r.Input, &l.Text, &l.Pages, &l.Depth, &l.Stream, &l.Ops); err != nil {
		fmt.Fprintf(stderr, "pdftext child: bad limits %q: %v\n", spec, err)
		return 2
	}
	r = r.withDefaults()
	// A deep recursion in the library dies quickly rather than growing a
	// stack to the default gigabyte.
	debug.SetMaxStack(64 << 20)
	debug.SetMemoryLimit(r.Memory / 2)
	if err := limitMemory(r.Memory); err != nil {
		fmt.Fprintf(stderr, "pdftext child: %v\n", err)
		return 2
	}
	b, err := io.ReadAll(io.LimitReader(stdin, r.Input+1))
	if err != nil {
		fmt.Fprintf(stderr, "pdftext child: read: %v\n", err)
		return 2
	}
	if int64(len(b)) > r.Input {
		fmt.Fprintf(stderr, "berkas lebih dari %d bait\n", r.Input)
		return exitUnreadable
	}
	text, xerr := Extract(b, r.Limits)
	w := bufio.NewWriter(stdout)
	w.WriteString(text)
	if err := w.Flush(); err != nil {
		return 2
	}
	if xerr != nil {
		fmt.Fprintln(stderr, strings.TrimPrefix(xerr.Error(), ErrUnreadable.Error()+": "))
		return exitUnreadable
	}
	return 0
}
