package fairness

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the tables for docs/DETECTION.md: a summary line per
// detector, then per detector its recall per group (with 95 % Wilson
// intervals), gap, stray boxes and speed for each frame size and light,
// and its false positives on the no-face media.
func WriteMarkdown(w io.Writer, results ...Result) error {
	bw := bufio.NewWriter(w)
	writeSummary(bw, results)
	for _, r := range results {
		writeResult(bw, r)
	}
	return bw.Flush()
}

func writeSummary(w *bufio.Writer, results []Result) {
	fmt.Fprintln(w, "| detector | worst group recall (condition) | largest gap, points (condition) | no-face frames firing | stray boxes on the face frames | exact count on stills |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, r := range results {
		worst, worstAt, gap, gapAt, strays, frames := 2.0, "", -1.0, "", 0, 0
		for _, c := range r.Conditions {
			for g, cell := range c.Groups {
				if cell.Total > 0 && cell.Recall < worst {
					worst, worstAt = cell.Recall, fmt.Sprintf("%s, %s", Group(g), c.Label())
				}
			}
			if c.Gap > gap {
				gap, gapAt = c.Gap, c.Label()
			}
			strays += c.StrayBoxes
			frames += c.All.Total
		}
		fmt.Fprintf(w, "| %s | %s (%s) | %.1f (%s) | %s | %d in %d frames | %s |\n",
			r.Detector, pct(worst), worstAt, gap, gapAt, noFaceShort(r.NoFace), strays, frames,
			ofTotal(r.StillsExact, r.StillsTotal))
	}
	fmt.Fprintln(w)
}

func writeResult(w *bufio.Writer, r Result) {
	fmt.Fprintf(w, "### %s\n\n", r.Detector)
	var head, rule strings.Builder
	head.WriteString("| group |")
	rule.WriteString("| --- |")
	for _, c := range r.Conditions {
		fmt.Fprintf(&head, " %s |", c.Label())
		rule.WriteString(" --- |")
	}
	fmt.Fprintln(w, head.String())
	fmt.Fprintln(w, rule.String())
	row := func(label string, cell func(Condition) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, c := range r.Conditions {
			fmt.Fprintf(w, " %s |", cell(c))
		}
		fmt.Fprintln(w)
	}
	for g := range NumGroups {
		row(Group(g).String(), func(c Condition) string { return cellText(c.Groups[g]) })
	}
	row("all", func(c Condition) string { return cellText(c.All) })
	row("gap (points)", func(c Condition) string { return fmt.Sprintf("%.1f", c.Gap) })
	row("stray boxes (frames)", func(c Condition) string {
		return fmt.Sprintf("%d (%d)", c.StrayBoxes, c.StrayFrames)
	})
	row("ms per frame", func(c Condition) string {
		return fmt.Sprintf("%.1f", float64(c.MeanDetect.Microseconds())/1000)
	})
	fmt.Fprintln(w)
	writeMisses(w, r)
	if r.NoFace.Frames > 0 {
		fmt.Fprintf(w, "No-face media: fires on %d of %d frames (%d boxes)", r.NoFace.Fired, r.NoFace.Frames, r.NoFace.Boxes)
		for i, h := range r.NoFace.Hits {
			sep := ", "
			if i == 0 {
				sep = ": "
			}
			fmt.Fprintf(w, "%s`%s` (%d, best %.2f)", sep, h.Path, h.Boxes, h.Score)
		}
		fmt.Fprintln(w, ".")
	}
	if r.StillsTotal > 0 {
		fmt.Fprintf(w, "Ground-truth stills: exact face count on %d of %d.\n", r.StillsExact, r.StillsTotal)
	}
	fmt.Fprintln(w)
}

// maxMissesListed bounds the faces writeMisses names.
const maxMissesListed = 40

// writeMisses names the faces missed (their source file names, which carry
// only the labels), with the conditions under which each was missed.
func writeMisses(w *bufio.Writer, r Result) {
	type miss struct {
		name  string
		group Group
		conds []string
	}
	var order []int
	byIdx := map[int]*miss{}
	for c, cond := range r.Conditions {
		for i, o := range r.Outcomes[c] {
			if o.Found {
				continue
			}
			m := byIdx[i]
			if m == nil {
				m = &miss{name: r.names[i], group: r.groups[i]}
				byIdx[i] = m
				order = append(order, i)
			}
			m.conds = append(m.conds, cond.Label())
		}
	}
	if len(order) == 0 {
		return
	}
	plural := "s"
	if len(order) == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "Missed %d distinct face%s", len(order), plural)
	for k, i := range order {
		if k == maxMissesListed {
			fmt.Fprintf(w, ", and %d more", len(order)-k)
			break
		}
		sep := ", "
		if k == 0 {
			sep = ": "
		}
		m := byIdx[i]
		fmt.Fprintf(w, "%s`%s` (%s; %s)", sep, strings.TrimSuffix(m.name, ".jpg.chip.jpg"), m.group, strings.Join(m.conds, ", "))
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w)
}

// WriteSecondOpinion writes the comparison of a primary detector with a
// second opinion: per condition and group, the primary's misses and how
// many of them the second found (and the other way round), the frames where
// their face counts differ, and recall when agreement is required or either
// suffices; then false positives and exact counts under each rule.
func WriteSecondOpinion(w io.Writer, so SecondOpinion) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "### %s with %s as a second opinion\n\n", so.Primary, so.Second)
	var head, rule strings.Builder
	head.WriteString("| group |")
	rule.WriteString("| --- |")
	for _, c := range so.Conditions {
		fmt.Fprintf(&head, " %s |", c.Label())
		rule.WriteString(" --- |")
	}
	table := func(caption string, cell func(t Tally) string, extra ...func()) {
		fmt.Fprintf(bw, "%s\n\n%s\n%s\n", caption, head.String(), rule.String())
		for g := range NumGroups {
			fmt.Fprintf(bw, "| %s |", Group(g))
			for _, c := range so.Conditions {
				fmt.Fprintf(bw, " %s |", cell(c.Groups[g]))
			}
			fmt.Fprintln(bw)
		}
		fmt.Fprint(bw, "| all |")
		for _, c := range so.Conditions {
			fmt.Fprintf(bw, " %s |", cell(c.All))
		}
		fmt.Fprintln(bw)
		for _, e := range extra {
			e()
		}
		fmt.Fprintln(bw)
	}
	row := func(label string, cell func(ConditionAgreement) string) func() {
		return func() {
			fmt.Fprintf(bw, "| %s |", label)
			for _, c := range so.Conditions {
				fmt.Fprintf(bw, " %s |", cell(c))
			}
			fmt.Fprintln(bw)
		}
	}
	table(fmt.Sprintf("Faces %s missed, and in brackets how many of those %s found:", so.Primary, so.Second),
		func(t Tally) string { return fmt.Sprintf("%d (%d)", t.PrimaryMissed, t.Rescued) })
	table(fmt.Sprintf("Faces %s missed, and in brackets how many of those %s found:", so.Second, so.Primary),
		func(t Tally) string { return fmt.Sprintf("%d (%d)", t.SecondMissed, t.RescuedByPrimary) })
	table("Frames (each holds one face) on which the two return different numbers of boxes:",
		func(t Tally) string { return fmt.Sprintf("%d", t.CountDiffer) })
	table(fmt.Sprintf("Recall if a face counts only when both agree (a %s box on the face overlapped by a %s box, "+
		"IoU ≥ %.1f) / if either detector suffices:", so.Primary, so.Second, AgreeIoU),
		func(t Tally) string { return fmt.Sprintf("%s / %s", pct(t.Agreed.Recall), pct(t.Either.Recall)) },
		row("interval (all)", func(c ConditionAgreement) string {
			return fmt.Sprintf("%s / %s", interval(c.All.Agreed), interval(c.All.Either))
		}),
		row("gap (points)", func(c ConditionAgreement) string {
			return fmt.Sprintf("%.1f / %.1f", c.AgreedGap, c.EitherGap)
		}),
		row(fmt.Sprintf("stray %s boxes / of those confirmed", so.Primary), func(c ConditionAgreement) string {
			return fmt.Sprintf("%d / %d", c.PrimaryStray, c.ConfirmedStray)
		}))
	if so.NoFaceFrames > 0 {
		fmt.Fprintf(bw, "No-face media (%d frames): %s fires on %d, %s on %d, both agreeing on %d.\n",
			so.NoFaceFrames, so.Primary, so.PrimaryFired, so.Second, so.SecondFired, so.AgreedFired)
	}
	if so.StillsTotal > 0 {
		fmt.Fprintf(bw, "Ground-truth stills (%d): exact count %s %d, %s %d, agreement rule %d; the two counts differ on %d",
			so.StillsTotal, so.Primary, so.PrimaryExact, so.Second, so.SecondExact, so.AgreedExact, so.StillsCountDiffer)
		for i, d := range so.StillsDiffer {
			sep := ", "
			if i == 0 {
				sep = ": "
			}
			fmt.Fprintf(bw, "%s`%s` (truth %d, %d vs %d)", sep, d.Path, d.Truth, d.Primary, d.Second)
		}
		fmt.Fprintln(bw, ".")
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

// WriteSet describes the sampled set: source, seed, faces per group and
// gender, and how many were eligible.
func WriteSet(w io.Writer, set *Set) error {
	bw := bufio.NewWriter(w)
	var counts [NumGroups][2]int
	for _, s := range set.Samples {
		gi := 0
		if s.Female {
			gi = 1
		}
		counts[s.Group][gi]++
	}
	fmt.Fprintf(bw, "Set: %d faces (seed %d; adults %d–%d), frames 640x480 and 320x240, normal and dim (x%.2f); "+
		"%d no-face media frames, %d ground-truth stills.\n\n",
		len(set.Samples), set.Opts.Seed, MinAge, MaxAge, DimFactor, len(set.NoFace), len(set.Stills))
	fmt.Fprintln(bw, "| group | women (eligible) | men (eligible) |")
	fmt.Fprintln(bw, "| --- | --- | --- |")
	for g := range NumGroups {
		fmt.Fprintf(bw, "| %s | %d (%d) | %d (%d) |\n", Group(g), counts[g][1], set.Available[g][1], counts[g][0], set.Available[g][0])
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

func pct(v float64) string { return fmt.Sprintf("%.1f", 100*v) }

func cellText(c Cell) string {
	return fmt.Sprintf("%s (%d/%d; %s)", pct(c.Recall), c.Found, c.Total, interval(c))
}

func interval(c Cell) string { return fmt.Sprintf("%.1f–%.1f", 100*c.Lo, 100*c.Hi) }

func ofTotal(n, total int) string {
	if total == 0 {
		return "–"
	}
	return fmt.Sprintf("%d of %d", n, total)
}

func noFaceShort(nf NoFace) string {
	if nf.Frames == 0 {
		return "–"
	}
	return fmt.Sprintf("%d of %d", nf.Fired, nf.Frames)
}
