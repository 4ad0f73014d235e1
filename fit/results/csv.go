package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/empirical-scaling/harness/fit"
)

// column names accepted by ReadCSV, lower-cased; the first match wins.
var (
	colParams  = []string{"params", "n", "parameters", "model size"}
	colTokens  = []string{"tokens", "d", "training tokens"}
	colCompute = []string{"compute", "c", "flops", "training flop"}
	colLoss    = []string{"loss", "val_loss"}
	colAct     = []string{"activation"}
)

// ReadCSV reads external points from a CSV file with a header row. It needs
// a loss column (loss) and two of params (params, "Model Size"), tokens
// (tokens) and compute (compute, "Training FLOP"); the third is derived with
// C = 6·N·D, so the Chinchilla CSV of Besiroglu et al. 2024 (columns "Model
// Size", "Training FLOP", loss) reads as is with D = C/(6·N). An optional
// activation column is kept. Every point is an anchor named "row K" (K is
// the 1-based data row).
func ReadCSV(path string) ([]fit.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	defer f.Close()
	pts, err := parseCSV(f)
	if err != nil {
		return nil, fmt.Errorf("read csv %s: %w", path, err)
	}
	return pts, nil
}

func findCol(header []string, names []string) int {
	for _, n := range names {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), n) {
				return i
			}
		}
	}
	return -1
}

func parseCSV(r io.Reader) ([]fit.Point, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty file: want a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	ip, it, ic, il, ia := findCol(header, colParams), findCol(header, colTokens), findCol(header, colCompute), findCol(header, colLoss), findCol(header, colAct)
	if il < 0 {
		return nil, fmt.Errorf("no loss column in header %q", header)
	}
	have := 0
	for _, i := range []int{ip, it, ic} {
		if i >= 0 {
			have++
		}
	}
	if have < 2 && !(have == 1 && ic >= 0) {
		return nil, fmt.Errorf("header %q: want two of params, tokens, compute (or compute alone for the compute-only laws)", header)
	}
	var pts []fit.Point
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", row, err)
		}
		get := func(i int, what string) (float64, error) {
			if i < 0 {
				return math.NaN(), nil
			}
			if i >= len(rec) {
				return 0, fmt.Errorf("row %d: no %s field", row, what)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err != nil {
				return 0, fmt.Errorf("row %d: %s: %w", row, what, err)
			}
			return v, nil
		}
		p := fit.Point{Run: fmt.Sprintf("row %d", row), Role: fit.RoleAnchor}
		if p.N, err = get(ip, "params"); err != nil {
			return nil, err
		}
		if p.D, err = get(it, "tokens"); err != nil {
			return nil, err
		}
		if p.C, err = get(ic, "compute"); err != nil {
			return nil, err
		}
		if p.Loss, err = get(il, "loss"); err != nil {
			return nil, err
		}
		if ia >= 0 && ia < len(rec) {
			p.Activation = strings.TrimSpace(rec[ia])
		}
		switch {
		case math.IsNaN(p.C):
			p.C = 6 * p.N * p.D
		case math.IsNaN(p.D) && !math.IsNaN(p.N):
			p.D = p.C / (6 * p.N)
		case math.IsNaN(p.N) && !math.IsNaN(p.D):
			p.N = p.C / (6 * p.D)
		}
		if math.IsNaN(p.N) {
			p.N = 0
		}
		if math.IsNaN(p.D) {
			p.D = 0
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("row %d: %w", row, err)
		}
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return nil, errors.New("no data rows")
	}
	return pts, nil
}
