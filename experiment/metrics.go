package experiment

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// MetricsHeader is the first line of metrics.csv.
const MetricsHeader = "step,tokens,lr,train_loss,val_loss,grad_norm,tokens_per_sec,elapsed_sec"

// Row is one line of metrics.csv: one optimizer step. ValLoss is NaN on
// steps without an evaluation (an empty cell in the CSV).
type Row struct {
	Step         int     `json:"step"`
	Tokens       int64   `json:"tokens"`
	LR           float64 `json:"lr"`
	TrainLoss    float64 `json:"train_loss"`
	ValLoss      float64 `json:"val_loss"`
	GradNorm     float64 `json:"grad_norm"`
	TokensPerSec float64 `json:"tokens_per_sec"`
	Elapsed      float64 `json:"elapsed_sec"`
	WallTime     float64 `json:"wall_time"` // Unix seconds, for the event file
}

func fmtFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// EncodeMetricsCSV renders rows as metrics.csv. Losses and norms are
// written with full precision, so two runs can be compared bit for bit.
func EncodeMetricsCSV(rows []Row) []byte {
	var b bytes.Buffer
	b.WriteString(MetricsHeader + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%d,%d,%s,%s,%s,%s,%s,%s\n", r.Step, r.Tokens, fmtFloat(r.LR), fmtNaN(r.TrainLoss), fmtFloat(r.ValLoss),
			fmtNaN(r.GradNorm), strconv.FormatFloat(r.TokensPerSec, 'f', 1, 64), strconv.FormatFloat(r.Elapsed, 'f', 3, 64))
	}
	return b.Bytes()
}

// fmtNaN writes a value that must not be blank: a diverged loss shows as NaN.
func fmtNaN(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Events turns rows into TensorBoard events with the CSV's scalars.
func Events(rows []Row) []Event {
	out := make([]Event, 0, len(rows))
	for _, r := range rows {
		s := []Scalar{
			{"train/loss", float32(r.TrainLoss)},
			{"train/lr", float32(r.LR)},
			{"train/grad_norm", float32(r.GradNorm)},
			{"train/tokens", float32(r.Tokens)},
			{"perf/tokens_per_sec", float32(r.TokensPerSec)},
			{"perf/elapsed_sec", float32(r.Elapsed)},
		}
		if !math.IsNaN(r.ValLoss) {
			s = append(s, Scalar{"val/loss", float32(r.ValLoss)})
		}
		out = append(out, Event{WallTime: r.WallTime, Step: int64(r.Step), Scalars: s})
	}
	return out
}
