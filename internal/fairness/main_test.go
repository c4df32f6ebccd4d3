package fairness

import (
	"os"
	"testing"

	"vigil/internal/analysis/modeltest"
)

func TestMain(m *testing.M) { os.Exit(modeltest.Run(m, "fairness")) }
