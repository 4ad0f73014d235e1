package fit

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Meta is the provenance printed in a report: what produced it and where.
type Meta struct {
	Command       string `json:"command"`
	GoVersion     string `json:"go_version"`
	ModuleVersion string `json:"module_version"`
	GitDescribe   string `json:"git_describe,omitempty"`
	Date          string `json:"date"`
	Grid          string `json:"grid,omitempty"`
	Device        string `json:"device,omitempty"`
}

// NewMeta fills the Go version, the main module's version (with its VCS
// revision when the binary was built with one), `git describe` of the
// working directory when git is available, and the current UTC date.
func NewMeta(command string) Meta {
	m := Meta{Command: command, GoVersion: runtime.Version(), ModuleVersion: "unknown",
		Date: time.Now().UTC().Format(time.RFC3339)}
	if bi, ok := debug.ReadBuildInfo(); ok {
		m.ModuleVersion = bi.Main.Path + " " + ModuleVersion()
	}
	m.GitDescribe = gitDescribe()
	return m
}

// ModuleVersion is the main module's version, followed by its VCS revision
// when the binary was built with one, or "unknown".
func ModuleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " (" + s.Value + ")"
		}
	}
	return v
}

// CommandLine renders a command as typed, quoting the arguments a shell
// would need quoted, for the provenance line of a report.
func CommandLine(name string, args []string) string {
	parts := []string{name}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\") {
			a = fmt.Sprintf("%q", a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// gitDescribe is `git describe --always --dirty` in the working directory,
// or "" when git or a repository is not there (it never blocks for long).
func gitDescribe() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
