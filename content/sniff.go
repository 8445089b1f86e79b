package content

import (
	"bytes"
	"net/http"
	"path"
	"strings"

	"github.com/kotalama/kompeten/internal/subtitle"
)

// sniffLen is how many leading bytes decide a file's type.
const sniffLen = 512

// Sniff decides the type of an upload from its first bytes, never from
// what the client claims. The name's extension only tells the Office
// formats apart, which share the ZIP and OLE containers. It returns "" for
// anything Kompeten does not accept (HTML, SVG, scripts, executables…).
func Sniff(head []byte, filename string) string {
	ext := strings.ToLower(path.Ext(filename))
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		brand := string(head[8:12])
		if strings.HasPrefix(brand, "M4A") {
			return "audio/mp4"
		}
		return "video/mp4"
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		if ext == ".weba" {
			return "audio/webm"
		}
		return "video/webm"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if t, ok := officeXML[ext]; ok {
			return t
		}
		return ""
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		if t, ok := officeOLE[ext]; ok {
			return t
		}
		return ""
	}
	// Caption tracks: a WEBVTT signature, or SRT's cue number and timing
	// line. SRT is served converted to WebVTT, the format <track> plays.
	if subtitle.IsVTT(head) {
		return "text/vtt"
	}
	if (ext == ".srt" || ext == "") && subtitle.IsSRT(head) {
		return SubRipType
	}
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch t {
	case "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
		"audio/mpeg", "audio/wave", "audio/ogg", "video/ogg", "audio/aiff", "audio/basic", "audio/midi":
		return t
	case "application/ogg":
		return "audio/ogg"
	}
	// MP3 with an ID3 tag or a bare frame header.
	if bytes.HasPrefix(head, []byte("ID3")) || (len(head) > 1 && head[0] == 0xFF && head[1]&0xE0 == 0xE0) {
		return "audio/mpeg"
	}
	return ""
}

// SubRipType is the type an SRT caption file is stored with.
const SubRipType = "application/x-subrip"

// IsCaption reports whether an asset's type is a caption track.
func IsCaption(contentType string) bool {
	return contentType == "text/vtt" || contentType == SubRipType
}

var officeXML = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
}

var officeOLE = map[string]string{
	".doc": "application/msword",
	".xls": "application/vnd.ms-excel",
	".ppt": "application/vnd.ms-powerpoint",
}

// Inline reports whether a type may be shown in the browser; everything
// else is served as an attachment.
func Inline(contentType string) bool {
	return strings.HasPrefix(contentType, "video/") || strings.HasPrefix(contentType, "audio/") ||
		strings.HasPrefix(contentType, "image/") || contentType == "application/pdf"
}
