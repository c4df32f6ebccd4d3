package sqlstore

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRenderedMigrationsMatchOldFiles (while the per-engine files still
// exist): each migration rendered for an engine is that engine's old file,
// but for comments and layout, and on PostgreSQL but for one ALTER TABLE
// that added several columns being several ALTER TABLEs.
func TestRenderedMigrationsMatchOldFiles(t *testing.T) {
	for _, d := range []dialect{sqliteDialect{}, postgresDialect{}} {
		ms, err := migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join("migrations", d.name(), "*.sql"))
		if len(files) != len(ms) {
			t.Fatalf("%s: %d old files, %d migrations", d.name(), len(files), len(ms))
		}
		for _, m := range ms {
			old, err := os.ReadFile(filepath.Join("migrations", d.name(), m.name))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := statements(m.sql), statements(string(old)); got != want {
				t.Errorf("%s for %s:\n got: %s\nwant: %s", m.name, d.name(), got, want)
			}
		}
	}
}

var (
	comment    = regexp.MustCompile(`--[^\n]*`)
	addColumns = regexp.MustCompile(`^ALTER TABLE (\w+) ADD COLUMN `)
)

// statements is text without comments, with white space folded and one
// statement a line, each ALTER TABLE adding one column.
func statements(text string) string {
	text = strings.Join(strings.Fields(comment.ReplaceAllString(text, "")), " ")
	text = strings.NewReplacer("( ", "(", " )", ")", " ,", ",").Replace(text)
	var out []string
	for _, s := range strings.Split(text, ";") {
		s = strings.TrimSpace(s)
		if m := addColumns.FindStringSubmatch(s); m != nil {
			s = strings.ReplaceAll(s, ", ADD COLUMN ", "\n"+m[0])
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}
