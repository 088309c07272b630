package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/truce-project/truce"
)

// openMirror opens a mirror of the server at url in dir.
func openMirror(t *testing.T, url, dir, vkey string, peers ...string) *Mirror {
	t.Helper()
	mi := &Mirror{Server: url, Dir: dir, VerifierKey: vkey, Peers: peers}
	if err := mi.Open(context.Background()); err != nil {
		t.Fatalf("open mirror: %v", err)
	}
	t.Cleanup(func() { mi.Close() })
	return mi
}

// latestFile returns the partial file under dir/sub with the widest width,
// the one that holds the newest entries or hashes.
func latestFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	best, width := "", -1
	for _, e := range entries {
		if w, err := strconv.Atoi(e.Name()); err == nil && w > width {
			best, width = filepath.Join(dir, e.Name()), w
		}
	}
	if best == "" {
		t.Fatalf("no partial file in %s", dir)
	}
	return best
}

// flipLastByte changes the last byte of a file and returns a function
// that restores it.
func flipLastByte(t *testing.T, path string) func() {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	orig := append([]byte(nil), data...)
	data[len(data)-1] ^= 0x01
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMirror follows a served log incrementally, checks its state roots,
// and raises an alert, on standard error and by webhook, when an entry
// bundle or a tile is edited on disk under it.
func TestMirror(t *testing.T) {
	t.Parallel()
	dep := initWitnessed(t, 2)
	setStateRootInterval(t, dep.Dir, 3)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(8)
	monitor := dep.signer(t, "monitor")
	submit := func() {
		st, _ := keyAdd(t, g, monitor)
		c.submit(st.Raw)
	}
	for range 4 {
		submit()
	}

	var mu sync.Mutex
	var alerts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var a struct{ Alert string }
		json.Unmarshal(body, &a)
		mu.Lock()
		alerts = append(alerts, a.Alert)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)

	dir := t.TempDir()
	mi := openMirror(t, d.URL(), dir, dep.VerifierKey)
	mi.Webhook = hook.URL
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	for range 4 {
		submit()
	}
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	size := newClient(t, d.URL()).logSize(dep.VerifierKey)
	if mi.Size() != size || mi.service.RootsChecked() == 0 {
		t.Errorf("mirror at %d with %d state roots checked; the log has %d", mi.Size(), mi.service.RootsChecked(), size)
	}

	// A mirror reopened from its directory goes on where it stopped. The
	// server restarts without state roots, which it appends in the
	// background, so that nothing writes the log while it is edited below.
	mi.Close()
	d.Close()
	dj, err := loadDeployment(dep.Dir)
	if err != nil {
		t.Fatal(err)
	}
	dj.StateRootInterval = 1 << 40
	if err := dj.save(); err != nil {
		t.Fatal(err)
	}
	d = openDaemon(t, dep.Dir)
	c = newClient(t, d.URL())
	mi = openMirror(t, d.URL(), dir, dep.VerifierKey)
	mi.Webhook = hook.URL
	submit()
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("sync after reopening: %v", err)
	}

	// An entry the mirror has not read yet is edited in its bundle.
	submit()
	restore := flipLastByte(t, latestFile(t, filepath.Join(dep.Dir, "log", "tile", "entries", "000.p")))
	err = mi.Sync(t.Context())
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), "bundle was altered") {
		t.Errorf("sync over an edited bundle: %v, want an alert", err)
	}
	restore()
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("sync after the bundle is restored: %v", err)
	}

	// A tile hash of an entry the mirror has not checked yet is edited.
	submit()
	restore = flipLastByte(t, latestFile(t, filepath.Join(dep.Dir, "log", "tile", "0", "000.p")))
	err = mi.Sync(t.Context())
	if truce.ErrorCode(err) != truce.ECONFLICT {
		t.Errorf("sync over an edited tile: %v, want an alert", err)
	}
	restore()
	mu.Lock()
	if len(alerts) != 2 || !strings.Contains(alerts[0], "bundle was altered") {
		t.Errorf("webhook received %q, want the two alerts", alerts)
	}
	mu.Unlock()

	// The command: --once exits 0 when all is well.
	out, _, err := runCLI(t, d, "mirror", "--once", "--dir", t.TempDir(), "--vkey", dep.VerifierKey, "--state-root-interval", "3")
	if err != nil || !strings.Contains(out, "entries replayed and checked") {
		t.Errorf("truce mirror --once: %v\n%s", err, out)
	}
}
