package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit"
)

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name, text string
		want       []fit.Point
		err        string
	}{
		{"params and tokens", "params,tokens,loss\n10,200,3.5\n", []fit.Point{{Run: "row 1", Role: fit.RoleAnchor, N: 10, D: 200, C: 12000, Loss: 3.5}}, ""},
		{"chinchilla columns", "Model Size,Training FLOP,loss\n10,12000,3.5\n", []fit.Point{{Run: "row 1", Role: fit.RoleAnchor, N: 10, D: 200, C: 12000, Loss: 3.5}}, ""},
		{"compute alone, activation kept", "compute,loss,activation\n1e15,3, gelu \n", []fit.Point{{Run: "row 1", Activation: "gelu", Role: fit.RoleAnchor, C: 1e15, Loss: 3}}, ""},
		{"empty", "", nil, "empty file"},
		{"no loss column", "params,tokens\n1,2\n", nil, "no loss column"},
		{"one size column", "params,loss\n1,2\n", nil, "want two of params"},
		{"bad number", "params,tokens,loss\n1,2,x\n", nil, "row 1: loss"},
		{"bad loss", "params,tokens,loss\n1,2,-1\n", nil, "row 1"},
		{"header only", "params,tokens,loss\n", nil, "no data rows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "points.csv")
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o644))
			got, err := ReadCSV(path)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Contains(t, err.Error(), path, "the error names the file")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := ReadCSV(filepath.Join(t.TempDir(), "absent.csv"))
	assert.Error(t, err)
}
