package s3blob_test

import (
	"os"
	"testing"

	"vigil/internal/testneeds"
)

// TestMain says loudly, after the tests, when the S3 server was missing.
func TestMain(m *testing.M) { os.Exit(testneeds.Main(m)) }
