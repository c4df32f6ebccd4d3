package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/review"
)

// chartsPage is an exam's class at a glance: charts drawn here as SVG
// (no script), each with its numbers written on it and in a table.
func (s *Server) chartsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.ChartsPage
	if err == nil {
		p, err = s.Review.Charts(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "charts", page{Title: "Class at a glance: " + p.Exam.Title, User: v.User, CSRF: v.CSRF,
		Data: newChartsView(p)})
}

type chartsView struct {
	*review.ChartsPage
	Buckets      []string
	Spread       []spreadChart
	Heat         heatChart
	CompareChart compareChart
}

// svgBar is one bar or cell: its box in user units, its number and a class.
type svgBar struct {
	X, Y, W, H  int
	Value       string
	TX, TY      int // where the number is written
	Class, Text string
}

// spreadChart is one type's histogram: sessions by number of flags.
type spreadChart struct {
	review.TypeSpread
	Label string
	Bars  []svgBar
}

const (
	spreadW, spreadH, spreadBase = 230, 130, 100 // the plot's width, height and baseline
	spreadBar, spreadGap         = 34, 10
)

func newChartsView(p *review.ChartsPage) chartsView {
	v := chartsView{ChartsPage: p, Buckets: review.SpreadBuckets, Heat: newHeat(p), CompareChart: newCompare(p.Compare)}
	for _, ts := range p.Spread {
		c := spreadChart{TypeSpread: ts, Label: ts.Type.Label()}
		top := max(p.Sessions, 1)
		for i, n := range ts.Sessions {
			h := n * (spreadBase - 20) / top
			x := 20 + i*(spreadBar+spreadGap)
			c.Bars = append(c.Bars, svgBar{X: x, Y: spreadBase - h, W: spreadBar, H: h, Value: strconv.Itoa(n),
				TX: x + spreadBar/2, TY: spreadBase - h - 4, Text: review.SpreadBuckets[i]})
		}
		v.Spread = append(v.Spread, c)
	}
	return v
}

// heatChart is the heatmap: a row per type, a column per slice of time.
type heatChart struct {
	W, H, Left, Cell int
	Rows             []heatRow
	Ticks            []svgBar // the time axis: X and Text
	Label            string   // the chart in words
}

type heatRow struct {
	Label string
	Y     int
	Cells []svgBar
}

const heatLeft, heatRowH, heatTop = 150, 26, 4

func newHeat(p *review.ChartsPage) heatChart {
	h := heatChart{Left: heatLeft, Cell: max(24, 600/max(p.Bins, 1))}
	h.W = heatLeft + h.Cell*p.Bins + 10
	most := 1
	for _, r := range p.Heat {
		for _, n := range r.Cells {
			most = max(most, n)
		}
	}
	for i, r := range p.Heat {
		row := heatRow{Label: "All types", Y: heatTop + i*heatRowH}
		if r.Type != "" {
			row.Label = r.Type.Label()
		}
		for b, n := range r.Cells {
			level := 0
			if n > 0 {
				level = 1 + (n*4-1)/most // 1–4 by share of the busiest cell
			}
			c := svgBar{X: heatLeft + b*h.Cell, Y: row.Y, W: h.Cell - 2, H: heatRowH - 4, Class: fmt.Sprintf("h%d", level),
				TX: heatLeft + b*h.Cell + (h.Cell-2)/2, TY: row.Y + heatRowH - 10}
			if n > 0 {
				c.Value = strconv.Itoa(n)
			}
			row.Cells = append(row.Cells, c)
		}
		h.Rows = append(h.Rows, row)
	}
	h.H = heatTop + len(p.Heat)*heatRowH + 24
	step := max(1, (p.Bins+4)/5)
	for b := 0; b <= p.Bins; b += step {
		h.Ticks = append(h.Ticks, svgBar{X: heatLeft + b*h.Cell, Y: h.H - 6, Text: fmtClock(time.Duration(b) * p.Bin)})
	}
	if p.Peak.Sessions == 0 {
		h.Label = "No flags to place in time."
	} else {
		from := time.Duration(p.Peak.Bin) * p.Bin
		h.Label = fmt.Sprintf("Most at once: %d of %d sessions had %s between %s and %s of the exam.", p.Peak.Sessions, p.Sessions,
			p.Peak.Type.Label(), fmtClock(from), fmtClock(from+p.Bin))
	}
	return h
}

// BinRange is a heat slice's time span, for the table.
func (v chartsView) BinRange(b int) string {
	from := time.Duration(b) * v.Bin
	return fmtClock(from) + "–" + fmtClock(from+v.Bin)
}

// compareChart is flags per session for each exam, as horizontal bars.
type compareChart struct {
	W, H int
	Bars []svgBar
}

const compareLeft, compareRowH, compareW = 200, 30, 640

func newCompare(exams []review.ExamFigures) compareChart {
	c := compareChart{W: compareW, H: len(exams)*compareRowH + 10}
	most := 0.01
	for _, e := range exams {
		most = max(most, e.FlagsPerSession())
	}
	for i, e := range exams {
		w := int(e.FlagsPerSession() / most * float64(compareW-compareLeft-70))
		y := 5 + i*compareRowH
		class := "bar"
		if e.This {
			class = "bar this"
		}
		c.Bars = append(c.Bars, svgBar{X: compareLeft, Y: y, W: w, H: compareRowH - 10, Class: class,
			Value: strconv.FormatFloat(e.FlagsPerSession(), 'f', 1, 64), TX: compareLeft + w + 6, TY: y + compareRowH - 15,
			Text: e.Exam.Title})
	}
	return c
}

// perSession formats flags per session of one type.
func perSession(f review.ExamFigures, t proctor.ViolationType) string {
	if f.Sessions == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(f.ByType[t])/float64(f.Sessions), 'f', 2, 64)
}
