package sqlstore

import (
	"testing"
)

// TestMigrationsMatch: both engines have the same migrations, one by one:
// the same numbers and the same names, so that version N means the same
// schema whichever database a deployment uses.
func TestMigrationsMatch(t *testing.T) {
	lite, err := migrations(sqliteDialect{}.name())
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations(postgresDialect{}.name())
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations found")
	}
	for i := range max(len(lite), len(pg)) {
		var l, p string
		if i < len(lite) {
			l = lite[i].name
		}
		if i < len(pg) {
			p = pg[i].name
		}
		if l != p {
			t.Errorf("migration %d: sqlite has %q, postgres %q", i+1, l, p)
		}
	}
}

// TestMigrationsRefuseARepeatedNumber: two files with one number would
// leave a database's version ambiguous.
func TestMigrationsRefuseARepeatedNumber(t *testing.T) {
	ms := []migration{{version: 1, name: "0001_a.sql"}, {version: 1, name: "0001_b.sql"}}
	if err := checkNumbers("sqlite", ms); err == nil {
		t.Fatal("a repeated number was accepted")
	}
}
