package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary run as the "truce" command of the
// scripts: testscript puts it on the scripts' PATH under that name, and
// run is what main does. Tessera's routine logs are kept out of the
// test output, as main keeps them out of the operator's.
func TestMain(m *testing.M) {
	quietTessera()
	testscript.Main(m, map[string]func(){
		"truce": func() { os.Exit(run()) },
	})
}

// TestScript runs the CLI transcripts in testdata/script.
func TestScript(t *testing.T) {
	t.Parallel()
	daemons := &scriptDaemons{m: map[*testscript.TestScript]*Daemon{}}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// verify keeps its state in the user's config directory.
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			return os.Mkdir(home, 0o700)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"serve":      daemons.serve,
			"serve-stop": daemons.stop,
			"exitcode":   cmdExitCode,
			"jsonvar":    cmdJSONVar,
			"filevar":    cmdFileVar,
		},
	})
}

// scriptDaemons holds the daemon each script runs in the test process.
type scriptDaemons struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]*Daemon
}

// serve DIR starts a daemon for the deployment in DIR on a free loopback
// port and sets $TRUCE_SERVER to its URL. The script's end stops it.
func (s *scriptDaemons) serve(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: serve DIR")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[ts] != nil {
		ts.Fatalf("a daemon is already running; serve-stop it first")
	}
	d := &Daemon{Dir: ts.MkAbs(args[0]), Addr: "127.0.0.1:0"}
	ts.Check(d.Open(context.Background()))
	s.m[ts] = d
	ts.Setenv("TRUCE_SERVER", d.URL())
	ts.Defer(func() { s.close(ts) })
}

// stop, "serve-stop" in scripts, stops the script's daemon. ("stop" is
// testscript's command to end a script early.)
func (s *scriptDaemons) stop(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: serve-stop")
	}
	ts.Check(s.close(ts))
}

func (s *scriptDaemons) close(ts *testscript.TestScript) error {
	s.mu.Lock()
	d := s.m[ts]
	delete(s.m, ts)
	s.mu.Unlock()
	if d == nil {
		return nil
	}
	return d.Close()
}

// cmdExitCode runs "exitcode N PROGRAM ARGS..." and checks that the
// program exits with status N; stdout and stderr are kept as by exec.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdJSONVar runs "jsonvar FILE FIELD VAR": it sets $VAR to the string
// FIELD of the JSON object in FILE, which may be stdout or stderr. FIELD
// may be a dotted path into nested objects, such as key.id.
func cmdJSONVar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: jsonvar FILE FIELD VAR")
	}
	var obj map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &obj))
	path := strings.Split(args[1], ".")
	for _, name := range path[:len(path)-1] {
		obj, _ = obj[name].(map[string]any)
	}
	v, ok := obj[path[len(path)-1]].(string)
	if !ok {
		ts.Fatalf("%s has no string field %q", args[0], args[1])
	}
	ts.Setenv(args[2], v)
}

// cmdFileVar runs "filevar FILE VAR": it sets $VAR to the contents of
// FILE, which may be stdout or stderr, without surrounding space.
func cmdFileVar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: filevar FILE VAR")
	}
	ts.Setenv(args[1], strings.TrimSpace(ts.ReadFile(args[0])))
}
