package provenance

import (
	"os/exec"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCommandLineQuotesWhatAShellWould(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "analyze"},
		{[]string{"-results", "runs/tiny"}, "analyze -results runs/tiny"},
		{[]string{"-data", "my corpus.txt"}, `analyze -data "my corpus.txt"`},
		{[]string{"-x", ""}, `analyze -x ""`},
		{[]string{"$HOME"}, `analyze "$HOME"`},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, CommandLine("analyze", tc.args))
	}
}

func TestVersions(t *testing.T) {
	assert.Equal(t, runtime.Version(), GoVersion())
	assert.NotEmpty(t, ModuleVersion())
	assert.Contains(t, Module(), "github.com/empirical-scaling/harness")
}

func TestGitDescribe(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		assert.Empty(t, GitDescribe(), "no git: no description")
		return
	}
	t.Chdir(t.TempDir())
	assert.Empty(t, GitDescribe(), "outside a repository: no description")
}
