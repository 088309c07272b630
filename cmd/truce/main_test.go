package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

func TestUserMessage(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{truce.Errorf(truce.EINVALID, "Bad input."), "Bad input."},
		{fmt.Errorf("open log: %w", truce.Errorf(truce.ECONFLICT, "The log is in use.")), "The log is in use."},
		{fmt.Errorf("open projection: %w", fs.ErrPermission), "open projection: permission denied"},
		// A server's 500, as the client and submit report it.
		{truce.Errorf(truce.EINTERNAL, "st.json: Internal error."), "st.json: Internal error."},
	} {
		if got := userMessage(tc.err); got != tc.want {
			t.Errorf("userMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{usagef("x"), 2},
		{fmt.Errorf("sign: %w", usagef("x")), 2},
		{truce.Errorf(truce.EINVALID, "x"), 1},
		{errors.New("x"), 1},
		{flag.ErrHelp, 1}, // run returns 0 for it before asking
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestHelpEveryCommand runs "truce COMMAND -h" for every command there is,
// so that a new command cannot go without its usage text.
func TestHelpEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Now: time.Now, Getenv: func(string) string { return "" }}
			err := m.Run(context.Background(), []string{c.name, "-h"})
			if err != nil && !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("truce %s -h: %v", c.name, err)
			}
			if !strings.HasPrefix(stderr.String(), "Usage: truce "+c.name) || !strings.Contains(stderr.String(), "\n\n") {
				t.Errorf("truce %s -h prints:\n%s", c.name, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("truce %s -h writes to standard output:\n%s", c.name, stdout.String())
			}
		})
	}
}
