package content

import "testing"

func TestSniffCaptions(t *testing.T) {
	for _, c := range []struct{ head, name, want string }{
		{"WEBVTT\n\n00:01.000 --> 00:02.000\nhai\n", "a.vtt", "text/vtt"},
		{"\uFEFFWEBVTT - judul\r\n", "a.txt", "text/vtt"},
		{"1\r\n00:00:01,000 --> 00:00:02,000\r\nhai\r\n", "a.srt", SubRipType},
		{"1\n00:00:01,000 --> 00:00:02,000\nhai\n", "a.txt", ""}, // plain text is not accepted
		{"WEBVTTX\n", "a.vtt", ""},
		{"<html>WEBVTT", "a.vtt", ""},
	} {
		if got := Sniff([]byte(c.head), c.name); got != c.want {
			t.Errorf("Sniff(%q, %q) = %q, want %q", c.head, c.name, got, c.want)
		}
	}
}
