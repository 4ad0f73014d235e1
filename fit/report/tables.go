package report

import (
	"fmt"
	"strings"

	"github.com/empirical-scaling/harness/fit"
)

// table is one report table, rendered both as Markdown and as HTML.
type table struct {
	Title string
	Head  []string
	Rows  [][]string
}

func interval3(p fit.Param) string {
	return fmt.Sprintf("%s [%s, %s]", fit.FormatNum(p.Value), fit.FormatNum(p.Lo), fit.FormatNum(p.Hi))
}

// fitTables has one table per form: every activation's parameters with
// their intervals.
func fitTables(a *fit.Analysis) []table {
	var out []table
	for _, name := range a.Options.Forms {
		form, err := fit.FormByName(name)
		if err != nil {
			continue
		}
		t := table{Title: fmt.Sprintf("%s: %s", name, form.Law())}
		t.Head = append([]string{"activation", "anchors"}, form.ParamNames()...)
		t.Head = append(t.Head, "RMS log residual", "bootstrap draws used", "note")
		for _, ar := range a.Activations {
			f := ar.Fit(name)
			if f == nil {
				continue
			}
			row := []string{fit.Label(ar.Activation), fmt.Sprint(f.Points)}
			for _, pn := range form.ParamNames() {
				if f.OK() {
					row = append(row, interval3(f.Param(pn)))
				} else {
					row = append(row, "—")
				}
			}
			boot, note := "—", f.Error
			if f.Boot != nil {
				boot = fmt.Sprintf("%d of %d (%s)", f.Boot.Used, f.Boot.Requested, f.Boot.Scheme)
			}
			row = append(row, fit.FormatNum(f.RMSLog), boot, note)
			t.Rows = append(t.Rows, row)
		}
		out = append(out, t)
	}
	return out
}

// holdoutTable lists every holdout prediction with two intervals: the
// law's (its fit's uncertainty) and a run's (the law's widened by the run
// noise), the one that decides whether the law predicted the holdout.
func holdoutTable(a *fit.Analysis) table {
	t := table{Title: "Holdout predictions (from the anchors only)",
		Head: []string{"run", "activation", "law", "compute", "actual loss", "predicted", "95% interval", "error %", "actual inside interval", "95% interval of a run", "inside (predicted)"}}
	yes := map[bool]string{true: "yes", false: "no"}
	for _, ar := range a.Activations {
		for _, pr := range ar.Predictions {
			t.Rows = append(t.Rows, []string{pr.Run, fit.Label(pr.Activation), pr.Form, fit.FormatNum(pr.C), fit.FormatNum(pr.Actual),
				fit.FormatNum(pr.Predicted), fmt.Sprintf("[%s, %s]", fit.FormatNum(pr.Lo), fit.FormatNum(pr.Hi)), signed(pr.ErrPct), yes[pr.Inside],
				fmt.Sprintf("[%s, %s]", fit.FormatNum(pr.RunLo), fit.FormatNum(pr.RunHi)), yes[pr.RunInside]})
		}
	}
	return t
}

// lawTable compares the compute laws on the runs they were not fitted to,
// with the verdict under each.
func lawTable(a *fit.Analysis) table {
	t := table{Title: "Which law the data support",
		Head: []string{"law", "check", "runs predicted", "inside a run's 95% interval", "RMS error %", "errors %", "residual curvature", "verdict under this law", "Δb [95% interval]", "verdict uses it"}}
	ch := a.LawChoice
	if ch == nil {
		return t
	}
	for _, l := range ch.Laws {
		inside := "—"
		if l.Check == fit.CheckHoldout {
			inside = fmt.Sprintf("%d of %d", l.Inside, l.Predictions)
		}
		curv := "not tested"
		if len(l.Curvature) > 0 {
			var cs []string
			for _, cv := range l.Curvature {
				word := "none"
				if cv.Curved {
					word = cv.Direction
				}
				cs = append(cs, fmt.Sprintf("%s: %s (t = %.2f, p = %.2g)", fit.Label(cv.Activation), word, float64(cv.T), float64(cv.P)))
			}
			curv = strings.Join(cs, "; ")
		}
		decision, uses := l.Decision, "no"
		if decision == "" {
			decision = "—"
		}
		if l.Form == ch.Chosen {
			uses = "yes"
		}
		t.Rows = append(t.Rows, []string{fit.LawName(l.Form), l.Check, fmt.Sprint(l.Predictions), inside, fit.FormatNum(l.RMSErrPct),
			fmt.Sprintf("%s to %s", signed(l.MinErrPct), signed(l.MaxErrPct)), curv, decision, interval3(l.DeltaB), uses})
	}
	return t
}

// runTable lists every point.
func runTable(a *fit.Analysis) table {
	t := table{Title: "Runs", Head: []string{"run", "activation", "role", "seed", "N (params)", "D (tokens)", "C (FLOP)", "final val loss"}}
	for _, p := range a.Points {
		t.Rows = append(t.Rows, []string{p.Run, fit.Label(p.Activation), p.Role, fmt.Sprint(p.Seed), fit.FormatNum(fit.Num(p.N)),
			fit.FormatNum(fit.Num(p.D)), fit.FormatNum(fit.Num(p.C)), fmt.Sprintf("%.4f", p.Loss)})
	}
	return t
}

// markdown renders t as a GitHub-flavoured Markdown table.
func (t table) markdown() string {
	var b strings.Builder
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprintf(&b, "### %s\n\n", t.Title)
	if len(t.Rows) == 0 {
		b.WriteString("(none)\n\n")
		return b.String()
	}
	for i, h := range t.Head {
		t.Head[i] = esc(h)
	}
	b.WriteString("| " + strings.Join(t.Head, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(t.Head)) + "\n")
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = esc(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n")
	return b.String()
}

// signed formats a percentage with its sign, "n/a" when not finite.
func signed(n fit.Num) string {
	if !n.Finite() {
		return "n/a"
	}
	return fmt.Sprintf("%+.2f", float64(n))
}
