package fit

import (
	"math"
	"strconv"
)

// Num is a float64 that encodes NaN and ±Inf as JSON null, so that an
// analysis with a missing interval still writes valid JSON.
type Num float64

// MarshalJSON writes n, or null when n is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Finite reports whether n is neither NaN nor infinite.
func (n Num) Finite() bool {
	f := float64(n)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

var nan = Num(math.NaN())
