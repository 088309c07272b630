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
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/truce-project/truce"
)

// alertHook is a webhook that counts the alerts it receives.
func alertHook(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// sealedDeployment serves a deployment whose log holds a public statement
// and two sealed bulletins, which it returns.
func sealedDeployment(t *testing.T, members ...string) (*testDeployment, *Daemon, []*truce.Statement) {
	t.Helper()
	dep := initDeployment(t)
	if len(members) > 0 {
		dir := filepath.Join(t.TempDir(), "dep")
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Now: fixedNow, Getenv: func(string) string { return "" }}
		args := []string{"init", "--dir", dir}
		for _, mem := range members {
			args = append(args, "--member", mem)
		}
		if err := m.Run(context.Background(), args); err != nil {
			t.Fatalf("truce init: %v", err)
		}
		dj, err := loadDeployment(dir)
		if err != nil {
			t.Fatal(err)
		}
		dep = &testDeployment{Dir: dir, Origin: dj.Origin, VerifierKey: dj.VerifierKey}
	}
	setStateRootInterval(t, dep.Dir, 1<<40)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	mediator := dep.signer(t, "mediator")
	st, _ := keyAdd(t, newKeyGen(21), mediator)
	c.submit(st.Raw)
	var sealed []*truce.Statement
	for i := range 2 {
		b := sign(t, mediator, truce.KindBulletin, t0, truce.Bulletin{Title: "Talks", Text: fmt.Sprintf("Talks resume, round %d.", i)})
		c.submit(b.Raw)
		sealed = append(sealed, b)
	}
	return dep, d, sealed
}

// TestMirrorSourceKey checks that the mirror refuses the key of a source,
// who may read only its own sealed statements, without an alert, that the
// command stops on it even without --once, and that the mirror's
// directory then serves a member who reads every statement.
func TestMirrorSourceKey(t *testing.T) {
	t.Parallel()
	dep, d, sealed := sealedDeployment(t, "party-a:party:Party A", "party-b:party:Party B",
		"mediator:mediator:Mediator", "osint:source:An OSINT group")
	hook, alerts := alertHook(t)
	dir := t.TempDir()
	mi := openMirrorOf(t, &Mirror{Server: d.URL(), Dir: dir, VerifierKey: dep.VerifierKey, Signer: dep.signer(t, "osint"), Webhook: hook})
	err := mi.Sync(t.Context())
	if truce.ErrorCode(err) != truce.EFORBIDDEN || !strings.Contains(err.Error(), "reads osint as source") {
		t.Errorf("sync with a source's key: %v, want EFORBIDDEN naming the source", err)
	}
	if n := alerts.Load(); n != 0 {
		t.Errorf("a source's key raised %d alerts; it is not evidence against the log", n)
	}
	mi.Close()

	key := filepath.Join(dep.Dir, "keys", "osint.key")
	for _, once := range []bool{true, false} {
		args := []string{"mirror", "--dir", t.TempDir(), "--vkey", dep.VerifierKey, "--key", key}
		if once {
			args = append(args, "--once")
		}
		_, _, err := runCLI(t, d, args...)
		if truce.ErrorCode(err) != truce.EFORBIDDEN {
			t.Errorf("truce mirror --once=%v with a source's key: %v, want EFORBIDDEN", once, err)
		}
	}

	mi = openMemberMirror(t, d.URL(), dir, dep.VerifierKey, dep.signer(t, "party-a"))
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatalf("sync as a party after the source's attempt: %v", err)
	}
	for _, b := range sealed {
		if env, err := mi.vault.Get(t.Context(), b.ID); err != nil || !bytes.Equal(env, b.Raw) {
			t.Errorf("the mirror's vault holds %s for %s (%v); want its envelope", env, b.ID, err)
		}
	}
}

// withholdingProxy serves the server at url, except that its list of
// statements withholds the envelope of statement id, as the server does
// from a reader who may not read it. byID, if set, rewrites the server's
// answer to GET /v1/statements/{id}. It returns the proxy's URL and the
// count of those requests.
func withholdingProxy(t *testing.T, url, id string, byID func(view map[string]json.RawMessage)) (string, *atomic.Int32) {
	t.Helper()
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var fetched atomic.Int32
	p := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Del("Accept-Encoding")
		},
		ModifyResponse: func(resp *http.Response) error {
			switch resp.Request.URL.Path {
			case "/v1/statements":
				return rewriteJSON(resp, func(list map[string]json.RawMessage) {
					var views []map[string]json.RawMessage
					json.Unmarshal(list["statements"], &views)
					for _, v := range views {
						if string(v["id"]) == strconv.Quote(id) {
							withhold(v)
						}
					}
					list["statements"], _ = json.Marshal(views)
				})
			case "/v1/statements/" + id:
				fetched.Add(1)
				if byID != nil {
					return rewriteJSON(resp, byID)
				}
			}
			return nil
		},
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL, &fetched
}

// withhold makes a statement's view what a reader who may not read it sees.
func withhold(view map[string]json.RawMessage) {
	delete(view, "envelope")
	view["withheld"] = json.RawMessage("true")
}

// rewriteJSON rewrites the JSON object of a response's body with edit.
func rewriteJSON(resp *http.Response, edit func(map[string]json.RawMessage)) error {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return err
	}
	edit(obj)
	body, err = json.Marshal(obj)
	if err != nil {
		return err
	}
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// TestMirrorFetchByID checks the mirror's fallback when the server's list
// of statements withholds a sealed statement's envelope: it fetches the
// statement by id, and alerts if the server does not give it there
// either, or gives another statement.
func TestMirrorFetchByID(t *testing.T) {
	t.Parallel()
	dep, d, sealed := sealedDeployment(t)
	id := sealed[1].ID
	for _, tc := range []struct {
		name string
		byID func(map[string]json.RawMessage)
		want string // in the alert; "" for none
	}{
		{"given by id", nil, ""},
		{"withheld by id too", withhold, "does not give monitor sealed statement " + id},
		{"another statement by id", func(v map[string]json.RawMessage) { v["envelope"] = sealed[0].Raw }, "hashes to " + sealed[0].ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proxy, fetched := withholdingProxy(t, d.URL(), id, tc.byID)
			hook, alerts := alertHook(t)
			mi := openMirrorOf(t, &Mirror{Server: proxy, Dir: t.TempDir(), VerifierKey: dep.VerifierKey, Signer: dep.signer(t, "monitor"), Webhook: hook})
			err := mi.Sync(t.Context())
			if n := fetched.Load(); n != 1 {
				t.Errorf("the mirror fetched the withheld statement by id %d times, want once", n)
			}
			if tc.want != "" {
				if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), tc.want) || alerts.Load() != 1 {
					t.Errorf("sync: %v, with %d alerts; want one alert with %q", err, alerts.Load(), tc.want)
				}
				if _, err := mi.vault.Get(t.Context(), id); truce.ErrorCode(err) != truce.ENOTFOUND {
					t.Errorf("the mirror's vault holds %s after the alert (%v)", id, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if env, err := mi.vault.Get(t.Context(), id); err != nil || !bytes.Equal(env, sealed[1].Raw) {
				t.Errorf("the mirror's vault holds %s for %s (%v); want its envelope", env, id, err)
			}
			if rec, err := mi.store.Statement(t.Context(), id); err != nil || rec.Status != truce.StatusAccepted {
				t.Errorf("the mirror's record of %s: %+v, %v; want it accepted", id, rec, err)
			}
		})
	}
}

// TestMirrorCommittedKind appends to a log a commitment whose statement is
// not of the committed kind, as an operator who bypasses the service
// could, and checks that the mirror alerts: with the server's reason when
// the server, whose own replay rejected it, gives no statement; by its own
// replay when a server gives the statement, and again on the next round.
func TestMirrorCommittedKind(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dep, d, _ := sealedDeployment(t)
	d.Close()

	// A bulletin committed as a report: its envelope in the vault, then
	// the commitment in the log, as the service writes them.
	b := sign(t, dep.signer(t, "mediator"), truce.KindBulletin, t0, truce.Bulletin{Title: "Talks", Text: "Talks are off."})
	commitment := truce.Commitment(truce.KindReport, b.ID)
	dj, err := loadDeployment(dep.Dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := dj.openVault()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Put(ctx, b.Raw); err != nil {
		t.Fatal(err)
	}
	v.Close()
	l, err := openLog(ctx, dj, nil)
	if err != nil {
		t.Fatal(err)
	}
	indexes, _, err := l.AppendAll(ctx, [][]byte{commitment})
	if err != nil {
		t.Fatal(err)
	}
	index := indexes[0]
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	d = openDaemon(t, dep.Dir)
	reason := fmt.Sprintf("Sealed statement %s is committed as report but its envelope is bulletin", b.ID)

	monitor := dep.signer(t, "monitor")
	mi := openMemberMirror(t, d.URL(), t.TempDir(), dep.VerifierKey, monitor)
	err = mi.Sync(ctx)
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), fmt.Sprintf("log entry %d", index)) || !strings.Contains(err.Error(), reason) {
		t.Errorf("sync over a commitment of another kind: %v, want an alert with the entry and the reason", err)
	}

	// A server that gives the statement, as if its replay had accepted it.
	proxy := swappingProxy(t, d.URL(), commitment, b.Raw)
	mi = openMemberMirror(t, proxy, t.TempDir(), dep.VerifierKey, monitor)
	want := fmt.Sprintf("Log entry %d, a commitment to sealed statement %s, does not resolve to a report: %s", index, b.ID, reason)
	for i := range 2 {
		err = mi.Sync(ctx)
		if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), want) {
			t.Errorf("sync %d over a commitment of another kind, given its statement: %v, want %q", i+1, err, want)
		}
	}
	if rec, err := mi.store.Statement(ctx, b.ID); err != nil || rec.Status != truce.StatusRejected || rec.Index != index {
		t.Errorf("the mirror's record of %s: %+v, %v; want it rejected at %d", b.ID, rec, err, index)
	}
}
