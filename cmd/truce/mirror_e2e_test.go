package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/truce-project/truce"
)

// openMirror opens a mirror of the server at url in dir.
func openMirror(t *testing.T, url, dir, vkey string, peers ...string) *Mirror {
	t.Helper()
	return openMirrorOf(t, &Mirror{Server: url, Dir: dir, VerifierKey: vkey, Peers: peers})
}

// openMemberMirror opens a mirror of the server at url in dir that reads
// sealed statements as the member whose key s is.
func openMemberMirror(t *testing.T, url, dir, vkey string, s *truce.Signer) *Mirror {
	t.Helper()
	return openMirrorOf(t, &Mirror{Server: url, Dir: dir, VerifierKey: vkey, Signer: s})
}

// openMirrorOf opens mi with the clock of the test servers, and closes it
// when the test ends.
func openMirrorOf(t *testing.T, mi *Mirror) *Mirror {
	t.Helper()
	mi.Now = fixedNow
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

// TestMirror follows, as a member, a served log that holds sealed
// statements: it replays them with their envelopes, which it fetches from
// the server and keeps in its own vault, checks the state roots, and
// raises an alert, on standard error and by webhook, when an entry bundle
// or a tile is edited on disk under it, or when the server gives an
// envelope that is not the statement the log commits to. Without a
// member's key, the mirror says it needs one.
func TestMirror(t *testing.T) {
	t.Parallel()
	dep := initWitnessed(t, 2)
	setStateRootInterval(t, dep.Dir, 3)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(8)
	monitor, partyA := dep.signer(t, "monitor"), dep.signer(t, "party-a")
	var sealed []*truce.Statement
	// submit appends a public statement and a sealed one.
	submit := func() {
		st, _ := keyAdd(t, g, monitor)
		c.submit(st.Raw)
		b := sign(t, partyA, truce.KindBulletin, t0, truce.Bulletin{Title: "Repairs", Text: fmt.Sprintf("Repair crew %d at the substation.", len(sealed))})
		c.submit(b.Raw)
		sealed = append(sealed, b)
	}
	for range 2 {
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
	mi := openMemberMirror(t, d.URL(), dir, dep.VerifierKey, monitor)
	mi.Webhook = hook.URL
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	for range 2 {
		submit()
	}
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	size := newClient(t, d.URL()).logSize(dep.VerifierKey)
	if mi.Size() != size || mi.service.RootsChecked() == 0 {
		t.Errorf("mirror at %d with %d state roots checked; the log has %d", mi.Size(), mi.service.RootsChecked(), size)
	}
	for _, b := range sealed {
		if rec, err := mi.store.Statement(t.Context(), b.ID); err != nil || !rec.Sealed || rec.Status != truce.StatusAccepted {
			t.Errorf("the mirror's record of sealed bulletin %s: %+v, %v; want it accepted", b.ID, rec, err)
		}
	}

	// A mirror reopened from its directory goes on where it stopped, with
	// the envelopes it fetched in its vault. The server restarts without
	// state roots, which it appends in the background, so that nothing
	// writes the log while it is edited below.
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
	mi = openMemberMirror(t, d.URL(), dir, dep.VerifierKey, monitor)
	mi.Webhook = hook.URL
	for _, b := range sealed {
		if env, err := mi.vault.Get(t.Context(), b.ID); err != nil || !bytes.Equal(env, b.Raw) {
			t.Errorf("the reopened mirror's vault holds %s for %s (%v); want its envelope", env, b.ID, err)
		}
	}
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

	// A round that fails after reading entries (the server does not list
	// statements for a while) is read again by the next, once the log has
	// grown: not an alert.
	paused, pause := pausingProxy(t, d.URL())
	third := openMemberMirror(t, paused, t.TempDir(), dep.VerifierKey, monitor)
	if err := third.Sync(t.Context()); err != nil {
		t.Fatalf("sync through the proxy: %v", err)
	}
	submit()
	pause.Store(true)
	if err := third.Sync(t.Context()); truce.ErrorCode(err) != truce.EUNAVAILABLE {
		t.Errorf("sync while the server lists nothing: %v, want EUNAVAILABLE", err)
	}
	submit()
	pause.Store(false)
	if err := third.Sync(t.Context()); err != nil || third.Size() != c.logSize(dep.VerifierKey) {
		t.Errorf("sync after the server lists again: %v, at %d of %d", err, third.Size(), c.logSize(dep.VerifierKey))
	}

	// A server that gives, for a sealed statement, another one's envelope.
	proxy := swappingProxy(t, d.URL(), sealed[0].Raw, sealed[1].Raw)
	other := openMemberMirror(t, proxy, t.TempDir(), dep.VerifierKey, monitor)
	other.Webhook = hook.URL
	err = other.Sync(t.Context())
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), sealed[0].ID+" (log index") || !strings.Contains(err.Error(), "hashes to "+sealed[1].ID) {
		t.Errorf("sync with a server that swaps an envelope: %v, want an alert naming both", err)
	}
	mu.Lock()
	if len(alerts) != 3 || !strings.Contains(alerts[0], "bundle was altered") || !strings.Contains(alerts[2], "hashes to") {
		t.Errorf("webhook received %q, want the three alerts", alerts)
	}
	mu.Unlock()

	// The command: --once exits 0 when all is well; without a member's
	// key, it says that the sealed entries need one.
	out, _, err := runCLI(t, d, "mirror", "--once", "--dir", t.TempDir(), "--vkey", dep.VerifierKey, "--state-root-interval", "3",
		"--key", filepath.Join(dep.Dir, "keys", "mediator.key"))
	if err != nil || !strings.Contains(out, "entries replayed and checked") {
		t.Errorf("truce mirror --once --key: %v\n%s", err, out)
	}
	_, _, err = runCLI(t, d, "mirror", "--once", "--dir", t.TempDir(), "--vkey", dep.VerifierKey)
	if truce.ErrorCode(err) != truce.EUNAUTHORIZED || !strings.Contains(err.Error(), "--key") {
		t.Errorf("truce mirror --once without a key, over sealed entries: %v, want a member's key asked for", err)
	}
}

// swappingProxy serves the server at url, except that its answers about
// statements carry the envelope swap wherever the server's carry env.
func swappingProxy(t *testing.T, url string, env, swap []byte) string {
	t.Helper()
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Del("Accept-Encoding")
		},
		ModifyResponse: func(resp *http.Response) error {
			if !strings.HasPrefix(resp.Request.URL.Path, "/v1/statements") {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			body = bytes.ReplaceAll(body, env, swap)
			resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

// pausingProxy serves the server at url, except that it answers 503 to
// requests about statements while the flag it returns is set.
func pausingProxy(t *testing.T, url string) (string, *atomic.Bool) {
	t.Helper()
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var paused atomic.Bool
	p := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if paused.Load() && strings.HasPrefix(r.URL.Path, "/v1/statements") {
			http.Error(w, "paused", http.StatusServiceUnavailable)
			return
		}
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &paused
}

// TestMirrorStateRoot appends to a log a state root whose digest is not
// the replay's, as an operator who misstates the derived state would, and
// checks that the mirror alerts, and again on the next round and after a
// restart: a state root that failed is never taken as checked.
func TestMirrorStateRoot(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dep := initDeployment(t)
	setStateRootInterval(t, dep.Dir, 1<<40) // the server signs no state roots itself
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(11)
	monitor := dep.signer(t, "monitor")
	for range 2 {
		st, _ := keyAdd(t, g, monitor)
		c.submit(st.Raw)
	}
	d.Close()

	// The service would refuse the state root, so the operator appends it
	// to the log itself.
	dj, err := loadDeployment(dep.Dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := openLog(ctx, dj, nil)
	if err != nil {
		t.Fatal(err)
	}
	size, err := l.IntegratedSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root := sign(t, dep.signer(t, "operator"), truce.KindStateRoot, t0, truce.StateRoot{Size: size, Digest: strings.Repeat("0", 64)})
	if _, _, err := l.AppendAll(ctx, [][]byte{root.Raw}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	d = openDaemon(t, dep.Dir)
	dir := t.TempDir()
	interval := strconv.FormatUint(size, 10)
	want := fmt.Sprintf("The state root at log index %d differs from this mirror's replay", size)
	mi := openMirrorOf(t, &Mirror{Server: d.URL(), Dir: dir, VerifierKey: dep.VerifierKey, StateRootInterval: size})
	for i := range 2 {
		if err := mi.Sync(ctx); truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), want) {
			t.Errorf("sync %d over a wrong state root: %v, want an alert", i+1, err)
		}
	}
	mi.Close()
	_, _, err = runCLI(t, d, "mirror", "--once", "--dir", dir, "--vkey", dep.VerifierKey, "--state-root-interval", interval)
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), want) {
		t.Errorf("truce mirror --once, restarted over a wrong state root: %v, want the alert again", err)
	}
}
