package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("x"), ExitFailed},
		{"usage", Usagef("-n %d: want ≥ 1", 0), ExitUsage},
		{"wrapped usage", fmt.Errorf("ctx: %w", Usage(errors.New("x"))), ExitUsage},
		{"interrupted", Interrupted(errors.New("x")), ExitInterrupted},
		{"canceled", fmt.Errorf("run: %w", context.Canceled), ExitInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, ExitCode(tc.err)) })
	}
}

func TestFailPrintsOneLine(t *testing.T) {
	var b bytes.Buffer
	code := Fail(&b, "train", Usage(errors.New("first\nsecond\n")))
	require.Equal(t, ExitUsage, code)
	require.Equal(t, "train: first; second\n", b.String())
	b.Reset()
	require.Equal(t, ExitOK, Fail(&b, "train", nil))
	require.Empty(t, b.String())
}
