// Package provenance says what produced a file: the command line as typed,
// the Go version, the main module's version and `git describe` of the
// working directory. Reports and sweep headers print it so that a reader can
// rebuild the result.
package provenance

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// gitTimeout bounds `git describe`, so that a slow or hung git never holds
// up a report.
const gitTimeout = 2 * time.Second

// GoVersion is the Go version the binary was built with.
func GoVersion() string { return runtime.Version() }

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

// Module is the main module's path followed by ModuleVersion, or "unknown"
// when the binary carries no build information.
func Module() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return bi.Main.Path + " " + ModuleVersion()
}

// CommandLine renders a command as typed, quoting the arguments a shell
// would need quoted.
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

// GitDescribe is `git describe --always --dirty` in the working directory,
// or "" when git or a repository is not there (it never blocks for long).
func GitDescribe() string {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
