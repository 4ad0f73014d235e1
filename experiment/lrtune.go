package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// LRTuningFile is the learning-rate tuning's summary in the sweep folder.
const LRTuningFile = "lr-tuning.json"

// RoleTuning is the role of a learning-rate tuning run: it is neither
// fitted nor predicted.
const RoleTuning = "lr-tuning"

// LRLadder is the first round of peak-learning-rate multipliers a tuning
// tries on each activation's smallest size.
var LRLadder = []float64{0.25, 0.5, 1, 2, 4}

// Bounds of the ladder's extension: a best multiplier at an edge of the
// ladder adds the next factor of 2 beyond it, down to lrLadderMin and up to
// lrLadderMax (three extensions each way).
const (
	lrLadderMin = 1.0 / 32
	lrLadderMax = 32.0
)

// LRPoint is one tuning run: the multiplier of the size table's (or the
// grid's) peak learning rate, the rate itself and the final validation
// loss (+Inf when the run diverged).
type LRPoint struct {
	Multiplier float64 `json:"multiplier"`
	LR         float64 `json:"lr"`
	Loss       float64 `json:"-"`
	Run        string  `json:"run"`
	Status     string  `json:"status"`
}

// MarshalJSON writes the loss as null for a diverged run.
func (p LRPoint) MarshalJSON() ([]byte, error) {
	var loss *float64
	if !math.IsInf(p.Loss, 0) && !math.IsNaN(p.Loss) {
		loss = &p.Loss
	}
	return json.Marshal(struct {
		Multiplier float64  `json:"multiplier"`
		LR         float64  `json:"lr"`
		Loss       *float64 `json:"val_loss"`
		Run        string   `json:"run"`
		Status     string   `json:"status"`
	}{p.Multiplier, p.LR, loss, p.Run, p.Status})
}

// UnmarshalJSON reads a null loss as +Inf.
func (p *LRPoint) UnmarshalJSON(b []byte) error {
	var v struct {
		Multiplier float64  `json:"multiplier"`
		LR         float64  `json:"lr"`
		Loss       *float64 `json:"val_loss"`
		Run        string   `json:"run"`
		Status     string   `json:"status"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = LRPoint{Multiplier: v.Multiplier, LR: v.LR, Loss: math.Inf(1), Run: v.Run, Status: v.Status}
	if v.Loss != nil {
		p.Loss = *v.Loss
	}
	return nil
}

// LRCurve is one activation's tuning: every rate tried and the one chosen.
type LRCurve struct {
	Activation string    `json:"activation"`
	Params     int64     `json:"params"` // N of the tuned (smallest) size
	Tokens     int64     `json:"tokens"` // D of its runs, as in the grid
	Points     []LRPoint `json:"points"` // by multiplier
	// Best is the chosen multiplier and BestLR its rate at the tuned size;
	// every size of the activation uses Best × its own base rate.
	Best   float64 `json:"best_multiplier"`
	BestLR float64 `json:"best_lr"`
	// AtEdge is set when the best rate is still at an end of the ladder
	// after it was extended as far as allowed.
	AtEdge string `json:"at_edge,omitempty"`
}

// LRTuning is the content of lr-tuning.json.
type LRTuning struct {
	Grid   string    `json:"grid"`
	Curves []LRCurve `json:"activations"`
}

// Scales returns each activation's chosen multiplier.
func (t *LRTuning) Scales() map[nn.Activation]float64 {
	out := map[nn.Activation]float64{}
	for _, c := range t.Curves {
		out[nn.Activation(c.Activation)] = c.Best
	}
	return out
}

// ReadLRTuning reads dir/lr-tuning.json; the error wraps fs.ErrNotExist
// when the sweep tuned nothing.
func ReadLRTuning(dir string) (*LRTuning, error) {
	path := filepath.Join(dir, LRTuningFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var t LRTuning
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &t, nil
}

// PickLR chooses among the tuning points of one activation: the
// multiplier of lowest validation loss (diverged runs count as +Inf), and
// next, the multiplier to try before the choice is final: half the
// smallest when the best is the smallest tried, twice the largest when it
// is the largest (0 when the best lies inside the ladder, or the ladder
// already reaches its bound, in which case atEdge says which end the best
// is stuck at). It fails when every run diverged or failed.
func PickLR(pts []LRPoint) (best, next float64, atEdge string, err error) {
	if len(pts) == 0 {
		return 0, 0, "", errors.New("pick learning rate: no tuning runs")
	}
	s := slices.Clone(pts)
	sort.Slice(s, func(i, j int) bool { return s[i].Multiplier < s[j].Multiplier })
	bi := -1
	for i, p := range s {
		if !math.IsNaN(p.Loss) && !math.IsInf(p.Loss, 0) && (bi < 0 || p.Loss < s[bi].Loss) {
			bi = i
		}
	}
	if bi < 0 {
		return 0, 0, "", fmt.Errorf("pick learning rate: all %d tuning runs diverged or failed (multipliers %g to %g)", len(s), s[0].Multiplier, s[len(s)-1].Multiplier)
	}
	best = s[bi].Multiplier
	switch bi {
	case 0:
		if m := s[0].Multiplier / 2; m >= lrLadderMin*(1-1e-9) {
			return best, m, "", nil
		}
		return best, 0, "lowest", nil
	case len(s) - 1:
		if m := s[len(s)-1].Multiplier * 2; m <= lrLadderMax*(1+1e-9) {
			return best, m, "", nil
		}
		return best, 0, "highest", nil
	}
	return best, 0, "", nil
}

// lrRunName names a tuning run: lr-<act>-<size>-x<multiplier>.
func lrRunName(act nn.Activation, target int64, m float64) string {
	return fmt.Sprintf("lr-%s-%s-x%s", act, SizeLabel(target), strconv.FormatFloat(m, 'g', 6, 64))
}

// tuningBase returns, for each activation, the grid run a tuning trains at
// other rates: the smallest model (the first of them, so on an IsoFLOP
// grid the one of the smallest budget) of seed 1, with its tokens.
func (g Grid) tuningBase(o GridOptions) ([]RunSpec, error) {
	o.LRScale = nil
	o.AnchorsOnly = true
	o.Seeds = 1
	specs, err := g.Runs(o)
	if err != nil {
		return nil, err
	}
	var out []RunSpec
	idx := map[nn.Activation]int{}
	for _, s := range specs {
		i, ok := idx[s.Activation]
		if !ok {
			idx[s.Activation] = len(out)
			out = append(out, s)
			continue
		}
		if s.Shape.Params().NonEmbedding < out[i].Shape.Params().NonEmbedding {
			out[i] = s
		}
	}
	return out, nil
}

// tuningSpec is base trained at multiplier m.
func tuningSpec(base RunSpec, m float64) RunSpec {
	s := base
	s.Name = lrRunName(base.Activation, base.Target, m)
	s.Role = RoleTuning
	s.LRScale = m
	return s
}

// TuningRuns lists the first round of tuning runs (the ladder on each
// activation's smallest size), as a dry run shows them; extensions at the
// ladder's edges are decided from their losses.
func (g Grid) TuningRuns(o GridOptions) ([]RunSpec, error) {
	bases, err := g.tuningBase(o)
	if err != nil {
		return nil, err
	}
	var out []RunSpec
	for _, b := range bases {
		for _, m := range LRLadder {
			out = append(out, tuningSpec(b, m))
		}
	}
	return out, nil
}

// tuneLR trains the ladder of learning rates on each activation's smallest
// size (finished tuning runs with the same settings are reused, interrupted
// ones resume), extends it where the best rate is at an edge, writes
// lr-tuning.json and returns the tuning.
func (s *sweeper) tuneLR(ctx context.Context, g Grid, ds *data.Dataset) (*LRTuning, error) {
	bases, err := g.tuningBase(s.c.Select)
	if err != nil {
		return nil, fmt.Errorf("learning-rate tuning: %w", err)
	}
	tun := &LRTuning{Grid: g.Name}
	pending := make([][]float64, len(bases))
	for i, b := range bases {
		_, p, err := g.planRun(b, ds.Train.VocabSize(), ds.Train.Len(), ds.Val.Len())
		if err != nil {
			return nil, fmt.Errorf("learning-rate tuning: %w", err)
		}
		tun.Curves = append(tun.Curves, LRCurve{Activation: string(b.Activation), Params: p.Params, Tokens: p.Tokens})
		pending[i] = slices.Clone(LRLadder)
	}
	fmt.Fprintf(s.out, "learning-rate tuning: %d activations × multipliers %v of the base rate on the smallest size\n", len(bases), LRLadder)
	for round := 0; ; round++ {
		type tjob struct {
			curve int
			spec  RunSpec
		}
		var jobs []tjob
		for i, ms := range pending {
			for _, m := range ms {
				jobs = append(jobs, tjob{i, tuningSpec(bases[i], m)})
			}
			pending[i] = nil
		}
		if len(jobs) == 0 {
			break
		}
		pts := make([]LRPoint, len(jobs))
		errs := make([]error, len(jobs))
		next := make(chan int)
		var wg sync.WaitGroup
		for _, dev := range s.c.Devices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range next {
					pts[k], errs[k] = s.tuneOne(ctx, g, ds, jobs[k].spec, dev)
				}
			}()
		}
	feed:
		for k := range jobs {
			select {
			case <-ctx.Done():
				break feed
			case next <- k:
			}
		}
		close(next)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("learning-rate tuning interrupted (rerun to resume): %w", err)
		}
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("learning-rate tuning: %w", err)
		}
		for k, j := range jobs {
			c := &tun.Curves[j.curve]
			c.Points = append(c.Points, pts[k])
		}
		for i := range tun.Curves {
			c := &tun.Curves[i]
			sort.Slice(c.Points, func(a, b int) bool { return c.Points[a].Multiplier < c.Points[b].Multiplier })
			best, nextM, edge, err := PickLR(c.Points)
			if err != nil {
				return nil, fmt.Errorf("learning-rate tuning of %s: %w", c.Activation, err)
			}
			c.Best, c.AtEdge = best, edge
			for _, p := range c.Points {
				if p.Multiplier == best {
					c.BestLR = p.LR
				}
			}
			if nextM > 0 {
				fmt.Fprintf(s.out, "learning-rate tuning: %s is best at the edge of the ladder (×%g); trying ×%g\n", c.Activation, best, nextM)
				pending[i] = []float64{nextM}
			}
		}
	}
	for i := range tun.Curves {
		c := &tun.Curves[i]
		msg := ""
		if c.AtEdge != "" {
			msg = fmt.Sprintf(" (still the %s rate of the ladder: the best may lie beyond it)", c.AtEdge)
		}
		fmt.Fprintf(s.out, "learning-rate tuning: %s uses ×%g of the base rate (%.4g at N = %d)%s\n", c.Activation, c.Best, c.BestLR, c.Params, msg)
	}
	b, err := json.MarshalIndent(tun, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("learning-rate tuning: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(s.c.Out, LRTuningFile), append(b, '\n')); err != nil {
		return nil, fmt.Errorf("learning-rate tuning: %w", err)
	}
	return tun, nil
}

// tuneOne trains (or reuses) one tuning run and returns its point. A
// diverged run is a point of infinite loss; a run that fails otherwise is
// an error, since a tuning with a hole could pick the wrong rate.
func (s *sweeper) tuneOne(ctx context.Context, g Grid, ds *data.Dataset, spec RunSpec, dev tensor.Device) (LRPoint, error) {
	rc, p, err := g.planRun(spec, ds.Train.VocabSize(), ds.Train.Len(), ds.Val.Len())
	if err != nil {
		return LRPoint{}, err
	}
	pt := LRPoint{Multiplier: spec.LRScale, LR: p.Schedule.MaxLR, Loss: math.Inf(1), Run: spec.Name}
	dir := filepath.Join(s.c.Out, spec.Name)
	if res, ok, err := readResult(dir); err == nil && ok && (res.Status == StatusFinished || res.Status == StatusDiverged) {
		if same, err := sameConfig(dir, p); err == nil && same {
			pt.Status = res.Status
			if res.Status == StatusFinished {
				pt.Loss = res.FinalLoss
			}
			s.mu.Lock()
			fmt.Fprintf(s.out, "skip %s: %s before (val loss %.4f)\n", spec.Name, res.Status, res.FinalLoss)
			s.mu.Unlock()
			return pt, nil
		}
	}
	rc.Train, rc.Val, rc.CacheDir = ds.Train, ds.Val, s.c.CacheDir
	rc.Out = dir
	rc.CheckpointEvery, rc.CheckpointSteps = s.c.CheckpointEvery, s.c.CheckpointSteps
	rc.Logger, rc.Device = s.c.Logger, dev
	if len(s.c.Devices) == 1 {
		rc.Progress = s.c.Progress
	}
	s.mu.Lock()
	fmt.Fprintf(s.out, "tune %s: %s N=%d D=%d peak lr %.4g on %s\n", spec.Name, p.Model.String(), p.Params, p.Tokens, p.Schedule.MaxLR, dev.Name())
	s.mu.Unlock()
	res, err := Run(ctx, rc)
	switch {
	case err == nil:
		pt.Status, pt.Loss = StatusFinished, res.FinalLoss
	case errors.Is(err, ErrDiverged) && res != nil:
		pt.Status = StatusDiverged
	case ctx.Err() != nil:
		return pt, nil // the caller reports the interruption
	default:
		return pt, fmt.Errorf("%s: %w", spec.Name, err)
	}
	s.mu.Lock()
	fmt.Fprintf(s.out, "done %s: %s, val loss %.4f\n", spec.Name, pt.Status, pt.Loss)
	s.mu.Unlock()
	return pt, nil
}
