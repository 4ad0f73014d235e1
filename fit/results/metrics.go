package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/empirical-scaling/harness/fit"
)

// readCurve reads the validation curve (tokens, val_loss) from a run's
// metrics.csv, for runs whose result.json carries none. Rows with an
// empty val_loss (steps without an evaluation) are skipped.
func readCurve(path string) ([]fit.CurvePoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s: header: %w", path, err)
	}
	it, iv := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(h) {
		case "tokens":
			it = i
		case "val_loss":
			iv = i
		}
	}
	if it < 0 || iv < 0 {
		return nil, fmt.Errorf("read %s: header %q has no tokens and val_loss columns", path, head)
	}
	var out []fit.CurvePoint
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if iv >= len(rec) || it >= len(rec) || strings.TrimSpace(rec[iv]) == "" {
			continue
		}
		tok, err1 := strconv.ParseFloat(strings.TrimSpace(rec[it]), 64)
		v, err2 := strconv.ParseFloat(strings.TrimSpace(rec[iv]), 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("read %s: line %d: %w", path, line, err)
		}
		out = append(out, fit.CurvePoint{Tokens: tok, ValLoss: v})
	}
}
