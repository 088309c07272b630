package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var screenshots = flag.String("screenshots", "", "save a screenshot of every page of the web interface into this directory (e.g. ../../docs)")

// TestBrowser runs the scenarios of web/browsertest in headless Chromium
// against the demo deployment served in this process: the map, filters,
// an incident with its proofs verified in the browser, a tampered proof,
// the public view, a report whose text is markup, the other pages, and
// the quality goals (load time, narrow screens, keyboard, text
// alternatives). It needs node, Debian's chromium and the playwright-core
// of web/browsertest/node_modules, which scripts/test installs; without
// them it skips, unless TRUCE_BROWSER=1 says they must be there.
func TestBrowser(t *testing.T) {
	testdir, err := filepath.Abs("../../web/browsertest")
	if err != nil {
		t.Fatal(err)
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join(testdir, "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "playwright-core (npm ci in web/browsertest)")
	}
	if len(missing) > 0 {
		msg := "browser tests need " + strings.Join(missing, ", ") + "; scripts/test installs them"
		if os.Getenv("TRUCE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	dir := filepath.Join(t.TempDir(), "demo")
	var stderr bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, Now: time.Now, Getenv: func(string) string { return "" }}
	if err := m.ensureDemo(context.Background(), dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	// The real clock: the browser signs reports and tokens with it. The
	// demo's witnesses run, as "truce serve --demo" runs them.
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", LocalWitnesses: true}
	if err := d.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "run.mjs", d.URL())
	cmd.Dir = testdir
	cmd.Env = append(os.Environ(), "TRUCE_KEYS="+filepath.Join(dir, "keys"), "CHROMIUM="+chromium)
	if *screenshots != "" {
		abs, err := filepath.Abs(*screenshots)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "TRUCE_SCREENSHOTS="+abs)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	runErr := cmd.Run()
	t.Logf("browser scenarios took %v", time.Since(start).Round(time.Millisecond))
	ran := 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ok "):
			f := strings.Fields(line)
			ran++
			t.Run(f[1], func(t *testing.T) { t.Logf("%s ms", f[len(f)-1]) })
		case strings.HasPrefix(line, "FAIL "):
			name, reason, _ := strings.Cut(strings.TrimPrefix(line, "FAIL "), ": ")
			ran++
			t.Run(name, func(t *testing.T) { t.Error(reason) })
		default:
			t.Log(line)
		}
	}
	if runErr != nil && !strings.Contains(out.String(), "FAIL ") || ran == 0 {
		t.Fatalf("node run.mjs: %v\n%s\n%s", runErr, out.String(), errOut.String())
	}
}
