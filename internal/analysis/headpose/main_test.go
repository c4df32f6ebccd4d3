package headpose

import (
	"os"
	"testing"

	"vigil/internal/analysis/modeltest"
)

// sharedDir is the project's shared folder beside the repository.
var sharedDir = modeltest.SharedDir()

func TestMain(m *testing.M) { os.Exit(modeltest.Run(m, "headpose")) }
