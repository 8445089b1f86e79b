package mediadur

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDuration: any bytes, under any claimed size, read within the
// budget, never panic and give a finite positive length or nothing.
func FuzzDuration(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)], int64(0))
	}
	f.Add(ftyp, int64(1<<40))
	f.Add(ebmlHeader, int64(0))
	f.Fuzz(func(t *testing.T, b []byte, extra int64) {
		size := int64(len(b))
		if extra > 0 {
			size += extra % (1 << 50) // a file longer than the bytes at hand
		}
		c := &counting{r: endless{head: b, size: size}}
		d, ok := Duration(c, size)
		if c.bytes > maxRead || c.reads > maxReads {
			t.Fatalf("read %d bytes in %d requests", c.bytes, c.reads)
		}
		if ok && !(d > 0) {
			t.Fatalf("ok with %g", d)
		}
	})
}
