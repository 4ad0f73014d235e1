package fit_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFitsImportNoPresentation keeps the fits importable on their own: the
// package and everything it imports must not pull in plotting, HTML,
// process spawning or the file writer, which belong to fit/report and
// internal/provenance.
func TestFitsImportNoPresentation(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test puts its own go first on PATH
	require.NoError(t, err)
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/empirical-scaling/harness/fit", "go list ran on the fit package")
	for _, d := range deps {
		for _, banned := range []string{"gonum.org/v1/plot", "os/exec", "html/template", "github.com/empirical-scaling/harness/internal/atomicfile", "github.com/empirical-scaling/harness/fit/report"} {
			assert.False(t, d == banned || strings.HasPrefix(d, banned+"/"), "package fit depends on %s", d)
		}
	}
	// Nor may fit itself touch files: the readers and writers live beside it.
	out, err = exec.Command(goTool, "list", "-f", "{{join .Imports \" \"}}", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, imp := range strings.Fields(string(out)) {
		assert.NotContains(t, []string{"os", "io/fs", "path/filepath", "encoding/csv"}, imp, "package fit imports %s", imp)
	}
}
