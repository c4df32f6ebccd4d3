package sqlstore

import (
	"strings"
	"testing"
)

// TestMigrationsMatch: every migration renders for both engines, so that
// version N is the same migration whichever database a deployment uses,
// and what it renders to has no template left in it.
func TestMigrationsMatch(t *testing.T) {
	var counts []int
	for _, d := range []dialect{sqliteDialect{}, postgresDialect{}} {
		ms, err := migrations(d)
		if err != nil {
			t.Fatalf("%s: %v", d.name(), err)
		}
		for _, m := range ms {
			if strings.Contains(m.sql, "{{") || strings.Contains(m.sql, "}}") || strings.Contains(m.sql, "<no value>") {
				t.Errorf("%s for %s keeps template text", m.name, d.name())
			}
		}
		counts = append(counts, len(ms))
	}
	if counts[0] == 0 || counts[0] != counts[1] {
		t.Fatalf("migrations rendered: %v", counts)
	}
}

// TestMigrationsRefuseARepeatedNumber: two files with one number would
// leave a database's version ambiguous.
func TestMigrationsRefuseARepeatedNumber(t *testing.T) {
	ms := []migration{{version: 1, name: "0001_a.sql"}, {version: 1, name: "0001_b.sql"}}
	if err := checkNumbers(ms); err == nil {
		t.Fatal("a repeated number was accepted")
	}
}

// TestMigrationTemplateErrors: a word no dialect has, or a broken action,
// is an error naming the file, not SQL with a hole in it.
func TestMigrationTemplateErrors(t *testing.T) {
	for _, text := range []string{"CREATE TABLE t (a {{.Integer}});", "CREATE TABLE t (a {{.Int);"} {
		for _, d := range []dialect{sqliteDialect{}, postgresDialect{}} {
			if _, err := render("0099_bad.sql", text, d); err == nil || !strings.Contains(err.Error(), "0099_bad.sql") {
				t.Errorf("%s for %s: %v", text, d.name(), err)
			}
		}
	}
}
