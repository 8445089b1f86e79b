package subtitle

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const srt = "\uFEFF1\r\n00:00:01,000 --> 00:00:03,500\r\nSelamat datang di <i>Kompeten</i>.\r\n\r\n2\r\n00:00:04,000 --> 00:01:02,042\r\nBaris satu\r\nbaris dua &amp; tiga\r\n"

func TestSRTToVTT(t *testing.T) {
	if !IsSRT([]byte(srt)) || IsVTT([]byte(srt)) {
		t.Fatal("SRT not recognised as SRT")
	}
	got, err := ToVTT([]byte(srt))
	if err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nSelamat datang di <i>Kompeten</i>.\n\n00:00:04.000 --> 00:01:02.042\nBaris satu\nbaris dua &amp; tiga\n"
	if string(got) != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	if !IsVTT(got) {
		t.Fatal("output is not WebVTT")
	}
	// The output parses back to the same cues.
	a, _ := Parse([]byte(srt))
	b, err := Parse(got)
	if err != nil || len(a) != len(b) || a[1] != b[1] {
		t.Fatalf("round trip: %v %+v %+v", err, a, b)
	}
}

func TestParseVTT(t *testing.T) {
	vtt := "WEBVTT - Kompeten\n\nNOTE dibuat oleh skrip\n\nSTYLE\n::cue { color: yellow }\n\nintro\n00:01.000 --> 00:02.000 line:0 align:start\n<v Narator>Halo</v> semua\n\n01:00:00.000 --> 01:00:01.500\nAkhir\n"
	cues, err := Parse([]byte(vtt))
	if err != nil {
		t.Fatal(err)
	}
	if len(cues) != 2 {
		t.Fatalf("cues: %+v", cues)
	}
	if cues[0].Start != time.Second || cues[0].Settings != "line:0 align:start" || cues[1].Start != time.Hour {
		t.Fatalf("cues: %+v", cues)
	}
	if got := Text(cues); got != "Halo semua\nAkhir" {
		t.Fatalf("text %q", got)
	}
}

func TestRefused(t *testing.T) {
	for name, in := range map[string]string{
		"html":        "<html><body>hi</body></html>",
		"empty":       "",
		"bad stamp":   "WEBVTT\n\n00:01 --> 00:02.000\nx\n",
		"backwards":   "1\n00:00:05,000 --> 00:00:01,000\nx\n",
		"minutes 60":  "WEBVTT\n\n00:60.000 --> 01:00.000\nx\n",
		"no timing":   "WEBVTT\n\nid\n",
		"WEBVTTX":     "WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n",
		"not utf8":    "WEBVTT\n\n00:01.000 --> 00:02.000\n\xff\n",
		"srt no time": "1\nhello\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	big := bytes.Repeat([]byte("a"), MaxSize+1)
	if _, err := Parse(append([]byte("WEBVTT\n"), big...)); !errors.Is(err, ErrTooBig) {
		t.Errorf("big: %v", err)
	}
}

func TestWriteVTTFoldsBreakingText(t *testing.T) {
	out := WriteVTT([]Cue{{Start: 0, End: time.Second, Text: "a --> b\n\nc"}})
	if strings.Contains(string(out), "a -->") || strings.Contains(string(out), "\n\n\n") {
		t.Fatalf("%q", out)
	}
	if _, err := Parse(out); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(srt))
	f.Add([]byte("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n"))
	f.Add([]byte("1\n00:00:01,000 --> 00:00:02,000\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cues, err := Parse(b)
		if err != nil {
			return
		}
		// What we write must parse back to as many cues with the same times.
		back, err := Parse(WriteVTT(cues))
		if err != nil {
			t.Fatalf("own output refused: %v", err)
		}
		if len(back) != len(cues) {
			t.Fatalf("%d cues became %d", len(cues), len(back))
		}
		for i := range back {
			if back[i].Start != cues[i].Start || back[i].End != cues[i].End {
				t.Fatalf("cue %d times changed", i)
			}
		}
		_ = Text(cues)
	})
}
