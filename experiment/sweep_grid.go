package experiment

// grid is c.Grid with c's data and tokenizer overrides applied, as the
// sweep's plan applies them.
func (c SweepConfig) grid() Grid {
	return PlanConfig{Grid: c.Grid, Data: c.Data, Tokenizer: c.Tokenizer, TextColumn: c.TextColumn}.grid()
}
