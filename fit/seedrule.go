package fit

import (
	"fmt"
	"math"
)

// seedRulePct is the seed notebook's fixed margin, in %: exponents closer
// than this are a constant offset, and a law whose holdout errors stay
// under it is good.
const seedRulePct = 5

// Judgements of a law by the seed's rule (SeedRule.Law).
const (
	SeedLawGood      = "good"
	SeedLawPoor      = "poor"
	SeedLawUnchecked = "unchecked"
)

// SeedRule is the answer of the seed notebook's fixed rule on the same
// sweep: its law (log-linear), exponents within 5% of each other mean a
// constant offset and anything else an exponent shift, and a law whose
// holdout errors are all under 5% is good. It ignores the uncertainty of
// the fits, which is where our verdict usually differs.
type SeedRule struct {
	Form string `json:"form"`
	// ExponentDiffPct is 100·|b_candidate − b_baseline|/b_baseline.
	ExponentDiffPct Num    `json:"exponent_diff_pct"`
	Decision        string `json:"decision"`
	// MaxAbsErrPct is the largest |error %| of the law's holdout
	// predictions (null without holdouts); Law is SeedLawGood when it is
	// under 5%, SeedLawPoor when not, SeedLawUnchecked without holdouts.
	MaxAbsErrPct Num    `json:"max_abs_error_pct"`
	Law          string `json:"law"`
	// Agrees is true when the seed's rule and ours give the same decision
	// and judge the law alike.
	Agrees bool `json:"agrees"`
	// Summary states the seed rule's answer; Why, when it does not agree
	// with ours, says in one sentence why ours differs.
	Summary string `json:"summary"`
	Why     string `json:"why,omitempty"`
}

// seedRule applies the seed's rule to the log-linear fits of the compared
// activations and compares it with our verdict v; nil when either
// activation lacks a log-linear fit.
func seedRule(a *Analysis, opts Options, v *Verdict, ch *LawChoice) *SeedRule {
	ab, ac := a.Activation(opts.Baseline), a.Activation(opts.Candidate)
	if ab == nil || ac == nil {
		return nil
	}
	fb, fc := ab.Fit(FormLogLinear), ac.Fit(FormLogLinear)
	if !fb.OK() || !fc.OK() {
		return nil
	}
	bb, bc := float64(fb.Param("b").Value), float64(fc.Param("b").Value)
	s := &SeedRule{Form: FormLogLinear, ExponentDiffPct: Num(100 * math.Abs(bc-bb) / math.Abs(bb)), Decision: DecisionShift,
		MaxAbsErrPct: nan, Law: SeedLawUnchecked}
	if float64(s.ExponentDiffPct) < seedRulePct {
		s.Decision = DecisionOffset
	}
	maxErr, n := 0.0, 0
	for _, ar := range []*ActivationResult{ab, ac} {
		for _, pr := range ar.Predictions {
			if pr.Form == FormLogLinear {
				maxErr = math.Max(maxErr, math.Abs(float64(pr.ErrPct)))
				n++
			}
		}
	}
	if n > 0 {
		s.MaxAbsErrPct = Num(maxErr)
		s.Law = SeedLawPoor
		if maxErr < seedRulePct {
			s.Law = SeedLawGood
		}
	}
	margin := "under"
	if s.Decision == DecisionShift {
		margin = "not under"
	}
	s.Summary = fmt.Sprintf("The seed's rule (log-linear law, fixed %d%% margins) says %s: b_%s and b_%s differ by %.2f%% of b_%s, %s %d%%",
		seedRulePct, s.Decision, opts.Candidate, opts.Baseline, float64(s.ExponentDiffPct), opts.Baseline, margin, seedRulePct)
	switch s.Law {
	case SeedLawGood:
		s.Summary += fmt.Sprintf("; and the law is good: every holdout error is under %d%% (largest %.2f%%).", seedRulePct, maxErr)
	case SeedLawPoor:
		s.Summary += fmt.Sprintf("; and the law is poor: a holdout error reaches %.2f%%, not under %d%%.", maxErr, seedRulePct)
	default:
		s.Summary += "; with no holdout it does not judge the law."
	}
	if v == nil {
		return s
	}
	var why []string
	if s.Decision != v.Decision {
		if v.Form != FormLogLinear {
			why = append(why, fmt.Sprintf("it rests on the %s law, which the data support over the seed's log-linear law", LawName(v.Form)))
		}
		why = append(why, decisionWhy(s, v))
	}
	if ll := ch.Law(FormLogLinear); ll != nil && ll.Check == CheckHoldout {
		switch {
		case s.Law == SeedLawGood && ll.MissesBeyondChance():
			why = append(why, fmt.Sprintf("the seed calls the log-linear law good because its errors stay under %d%%, but %d of %d holdouts fall outside the 95%% interval of a run, more than chance allows: at this noise level the law does not extrapolate", seedRulePct, ll.Missed(), ll.Predictions))
		case s.Law == SeedLawPoor && ll.Missed() == 0:
			why = append(why, fmt.Sprintf("the seed calls the log-linear law poor for an error over %d%%, but every holdout lies inside its 95%% interval: at this scale the anchors cannot pin the law more tightly than that", seedRulePct))
		}
	}
	s.Agrees = len(why) == 0
	if !s.Agrees {
		s.Why = "Ours differs because " + joinClauses(why) + "."
	}
	return s
}

// decisionWhy says why our decision differs from the seed rule's.
func decisionWhy(s *SeedRule, v *Verdict) string {
	d := v.DeltaB
	iv := fmt.Sprintf("%s to %s", FormatNum(d.Lo), FormatNum(d.Hi))
	switch v.Decision {
	case DecisionShift:
		return fmt.Sprintf("the seed's fixed margin ignores how precisely the exponents are measured: here the 95%% interval of Δb (%s) excludes zero, so even this gap is a real exponent shift", iv)
	case DecisionOffset:
		return fmt.Sprintf("a gap in the exponents only matters if it changes the loss ratio noticeably: the 95%% interval of Δb (%s) lies within ±%.4g, which moves the loss ratio by less than the practical threshold, while the compute multiplier's interval excludes 1", iv, float64(v.Threshold))
	}
	return fmt.Sprintf("the seed's rule compares two point estimates and ignores their uncertainty: the 95%% interval of Δb (%s, from %d paired bootstrap draws) cannot tell a shift from an offset at this scale", iv, v.PairedDraws)
}

// joinClauses joins clauses into one sentence.
func joinClauses(cs []string) string {
	out := ""
	for i, c := range cs {
		switch {
		case i == 0:
			out = c
		case i == len(cs)-1:
			out += "; and " + c
		default:
			out += "; " + c
		}
	}
	return out
}
