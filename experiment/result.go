// Package experiment runs training: one run (train, evaluate, log,
// checkpoint, result) and the sweep over a grid of model sizes.
package experiment

// Run statuses written to result.json.
const (
	StatusRunning  = "running"
	StatusFinished = "finished"
	StatusDiverged = "diverged"
	StatusFailed   = "failed"
)

// Roles of a run in a grid: anchors are fitted, holdouts are predicted.
const (
	RoleAnchor  = "anchor"
	RoleHoldout = "holdout"
)

// CurvePoint is one validation evaluation during a run.
type CurvePoint struct {
	Step    int     `json:"step"`
	Tokens  int64   `json:"tokens"`
	ValLoss float64 `json:"val_loss"`
}

// Result is what one training run reports. It is written as result.json
// in the run's folder, and collected for a sweep in results.json.
type Result struct {
	Name        string       `json:"name"`
	Activation  string       `json:"activation"` // "gelu" or "swiglu"
	Role        string       `json:"role"`       // RoleAnchor or RoleHoldout
	Seed        int          `json:"seed"`
	Layers      int          `json:"layers"`
	Width       int          `json:"width"`
	Heads       int          `json:"heads"`
	Params      int64        `json:"params"`            // N: non-embedding parameters (Kaplan)
	TotalParams int64        `json:"total_params"`      // every parameter, embeddings included
	Tokens      int64        `json:"tokens"`            // D: training tokens
	Compute     float64      `json:"compute"`           // C in FLOP (6·N·D unless exact counting was asked)
	Budget      float64      `json:"budget,omitempty"`  // the IsoFLOP budget C the run was planned for (absent on fixed-ratio grids)
	LR          float64      `json:"peak_lr,omitempty"` // peak learning rate
	FinalLoss   float64      `json:"final_val_loss"`
	BestLoss    float64      `json:"best_val_loss"`
	ValTokens   int64        `json:"val_tokens,omitempty"` // validation targets the final loss is measured on (added by the run)
	WallSeconds float64      `json:"wall_seconds"`
	Device      string       `json:"device"`
	Status      string       `json:"status"`
	Error       string       `json:"error,omitempty"`
	Curve       []CurvePoint `json:"curve,omitempty"`
}

// Results is the content of a sweep's results.json.
type Results struct {
	Grid    string   `json:"grid"`
	Command string   `json:"command"`
	Version string   `json:"version"`
	Runs    []Result `json:"runs"`
}
