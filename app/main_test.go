package app

import (
	"testing"

	"github.com/kotalama/kompeten/storage/blobs/s3/s3test"
)

// TestMain stops the MinIO server the s3 tests start.
func TestMain(m *testing.M) { s3test.Main(m) }
