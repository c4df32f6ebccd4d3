// Package csvsafe writes CSV files that spreadsheets open as data: every
// CSV that Vigil writes (the audit log download, the export bundles'
// tables) goes through its Writer, so a cell typed by a person, such as a
// note that reads =HYPERLINK(…), stays text instead of running as a
// formula when a reviewer opens the file.
package csvsafe

import (
	"encoding/csv"
	"io"
	"strconv"
)

// Writer is a csv.Writer whose Write neutralises every cell.
type Writer struct {
	*csv.Writer
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{Writer: csv.NewWriter(w)} }

// Write writes one record, each cell passed through Cell.
func (w *Writer) Write(record []string) error {
	safe := make([]string, len(record))
	for i, c := range record {
		safe[i] = Cell(c)
	}
	return w.Writer.Write(safe)
}

// Cell returns s so that no spreadsheet reads it as a formula: text that
// starts with = + - @, a tab or a carriage return gets a leading
// apostrophe (spreadsheets then show it as text). Numbers are left alone:
// a negative number is not a formula.
func Cell(s string) string {
	if s == "" || !formulaStart(s[0]) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
