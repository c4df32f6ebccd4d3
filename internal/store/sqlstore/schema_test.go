package sqlstore_test

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"vigil/internal/store/sqlstore"
)

// The schema a fresh database gets from the migrations is kept in
// testdata/schema_<engine>.txt, so that a change to a migration already
// released (which existing databases will never run again) shows as a
// failure, and a new migration's effect shows in review as a change of
// these files. After adding a migration, write them again with
//
//	go test ./internal/store/sqlstore/ -run TestMigratedSchema -schema.update
//
// (with PostgreSQL running) and read the diff. River's tables, which its
// own migrator makes, are left out.
var updateSchema = flag.Bool("schema.update", false, "write testdata/schema_*.txt from the migrations instead of comparing")

func TestMigratedSchemaSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schema.db")
	st, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Migrate(t.Context())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkSchema(t, "testdata/schema_sqlite.txt", sqliteSchema(t, db))
}

func TestMigratedSchemaPostgres(t *testing.T) {
	_, raw := migrated(t)
	var schema string
	if err := raw.QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, "testdata/schema_postgres.txt", postgresSchema(t, raw, schema))
}

func checkSchema(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *updateSchema {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("the migrated schema differs from %s at line %d:\n got: %s\nwant: %s\n(-schema.update writes it anew)", golden, i+1, g, w)
		}
	}
}

// sqliteSchema lists every object of the database (the SQL SQLite keeps
// of it, white space folded) and, per table, what SQLite made of that SQL:
// its columns, indexes and foreign keys.
func sqliteSchema(t *testing.T, db *sql.DB) []byte {
	var b bytes.Buffer
	dump(t, &b, db, "object", `SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
		WHERE tbl_name NOT LIKE 'river%' ORDER BY name`)
	for _, table := range names(t, db, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'river%' ORDER BY name`) {
		dump(t, &b, db, "column "+table, `SELECT cid, name, type, "notnull", dflt_value, pk, hidden
			FROM pragma_table_xinfo($1) ORDER BY cid`, table)
		dump(t, &b, db, "fk "+table, `SELECT id, seq, "table", "from", "to", on_update, on_delete, match
			FROM pragma_foreign_key_list($1) ORDER BY id, seq`, table)
		for _, index := range names(t, db, `SELECT name FROM pragma_index_list($1) ORDER BY name`, table) {
			dump(t, &b, db, "index "+table, `SELECT name, "unique", origin, partial FROM pragma_index_list($1)
				WHERE name = $2`, table, index)
			dump(t, &b, db, "index column "+index, `SELECT seqno, cid, name, "desc", coll, key
				FROM pragma_index_xinfo($1) ORDER BY seqno`, index)
		}
	}
	return b.Bytes()
}

// postgresSchema lists the tables of schema with their columns, indexes,
// constraints and triggers, and its functions, as PostgreSQL describes
// them, with the schema's name taken out. NOT NULL is read from the
// columns only: PostgreSQL 18 lists it among the constraints too.
func postgresSchema(t *testing.T, db *sql.DB, schema string) []byte {
	var b bytes.Buffer
	dump(t, &b, db, "table", `SELECT table_name, table_type FROM information_schema.tables
		WHERE table_schema = $1 AND table_name NOT LIKE 'river%' ORDER BY table_name`, schema)
	dump(t, &b, db, "column", `SELECT table_name, ordinal_position, column_name, data_type, is_nullable,
			column_default, is_identity, identity_generation, collation_name
		FROM information_schema.columns WHERE table_schema = $1 AND table_name NOT LIKE 'river%'
		ORDER BY table_name, ordinal_position`, schema)
	dump(t, &b, db, "index", `SELECT tablename, indexname, indexdef FROM pg_indexes
		WHERE schemaname = $1 AND tablename NOT LIKE 'river%' ORDER BY tablename, indexname`, schema)
	dump(t, &b, db, "constraint", `SELECT r.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE n.nspname = $1 AND r.relname NOT LIKE 'river%' AND c.contype <> 'n'
		ORDER BY r.relname, c.conname`, schema)
	dump(t, &b, db, "trigger", `SELECT r.relname, g.tgname, pg_get_triggerdef(g.oid)
		FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE n.nspname = $1 AND r.relname NOT LIKE 'river%' AND NOT g.tgisinternal
		ORDER BY r.relname, g.tgname`, schema)
	dump(t, &b, db, "function", `SELECT p.proname, pg_get_functiondef(p.oid)
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = $1 AND p.proname NOT LIKE 'river%' ORDER BY p.proname`, schema)
	return []byte(strings.NewReplacer(pgx.Identifier{schema}.Sanitize()+".", "", schema+".", "").Replace(b.String()))
}

// dump writes a line per row of query: label, then the columns separated
// by " | ", NULL for a null and SQL text with its white space folded.
func dump(t *testing.T, b *bytes.Buffer, db *sql.DB, label, query string, args ...any) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fields := []string{label}
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
				fields = append(fields, "NULL")
			case []byte:
				fields = append(fields, foldSpace(string(v)))
			case string:
				fields = append(fields, foldSpace(v))
			default:
				fields = append(fields, fmt.Sprint(v))
			}
		}
		fmt.Fprintln(b, strings.Join(fields, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// foldSpace makes one space of every run of white space, and none inside
// parentheses or before a comma: SQLite keeps a statement's text as it was
// written, layout included.
func foldSpace(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("( ", "(", " )", ")", " ,", ",").Replace(s)
}

func names(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ns []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ns
}
