package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/service"
)

// These tests check that what a member reads live, on the feed or by
// webhook, follows what it may read now: its token's expiry, its keys'
// revocations, and the charter in force.

// accessFixture is a deployment served with a settable clock, and the
// statements that change who may read what.
type accessFixture struct {
	t                *testing.T
	dep              *testDeployment
	clk              *clock
	d                *Daemon
	c                *client
	g                *keyGen
	pa, pb, med, mon *truce.Signer
	// charterID is the id of the first charter, which removeMonitor
	// replaces.
	charterID string
}

func newAccessFixture(t *testing.T, deliver service.DeliveryConfig) *accessFixture {
	t.Helper()
	dep := initDeployment(t)
	clk := newClock(t0)
	d := &Daemon{Dir: dep.Dir, Addr: "127.0.0.1:0", Now: clk.now, Deliver: deliver}
	if err := d.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f := &accessFixture{t: t, dep: dep, clk: clk, d: d, c: newClient(t, d.URL()), g: newKeyGen(11),
		pa: dep.signer(t, "party-a"), pb: dep.signer(t, "party-b"), med: dep.signer(t, "mediator"), mon: dep.signer(t, "monitor")}
	_, f.charterID = f.c.charter()
	return f
}

// token returns a token of s made at the fixture's clock.
func (f *accessFixture) token(s *truce.Signer, ttl time.Duration) string {
	f.t.Helper()
	tok, err := truce.NewToken(s, f.dep.Origin, f.clk.now(), ttl)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// submit signs body as a statement of kind by s at the fixture's clock and
// submits it; it returns once the statement is applied.
func (f *accessFixture) submit(s *truce.Signer, kind truce.Kind, body any, cosigners ...*truce.Signer) *truce.Statement {
	f.t.Helper()
	st := sign(f.t, s, kind, f.clk.now(), body, cosigners...)
	f.c.submit(st.Raw)
	return st
}

// bulletin has the mediator post a bulletin, which members only may read.
func (f *accessFixture) bulletin(title string) *truce.Statement {
	return f.submit(f.med, truce.KindBulletin, truce.Bulletin{Title: title, Text: "Repair crews at the substation."})
}

// addKey registers a new key of s, a statement anyone may read.
func (f *accessFixture) addKey(s *truce.Signer) *truce.Signer {
	f.t.Helper()
	k := f.g.signer(f.t, s.Member, f.dep.Origin)
	f.c.submit(addKey(f.t, s, k, f.clk.now()).Raw)
	return k
}

// revoke has s revoke key k of its own.
func (f *accessFixture) revoke(s, k *truce.Signer) *truce.Statement {
	return f.submit(s, truce.KindKeyRevoke, truce.KeyRevoke{Member: s.Member, KeyID: k.ID(), Reason: "Lost with a laptop."})
}

// removeMonitor amends the charter to leave the monitor out, which also
// revokes its keys.
func (f *accessFixture) removeMonitor() *truce.Statement {
	f.t.Helper()
	first, _ := f.c.charter()
	amended := truce.Charter{Name: "Without a monitor", Replaces: f.charterID}
	for _, m := range first.Members {
		if m.ID != "monitor" {
			amended.Members = append(amended.Members, m)
		}
	}
	return f.submit(f.med, truce.KindCharter, amended, f.pa, f.pb)
}

// kindOf returns the kind of a statement event's record.
func kindOf(t *testing.T, data []byte) truce.Kind {
	t.Helper()
	var rec truce.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("event data %s: %v", data, err)
	}
	return rec.Kind
}

// wantKind reads the next event of s and checks it is a statement of
// kind.
func wantKind(t *testing.T, s *sseStream, name string, kind truce.Kind) {
	t.Helper()
	e := s.next()
	if e.Type != truce.EventStatement || kindOf(t, e.Data) != kind {
		t.Fatalf("%s: %s %s %.200s, want a %s statement", name, e.ID, e.Type, e.Data, kind)
	}
}

// wantEnd reads the next event of s, checks it is the end event with a
// 401 problem that says detail, and that the stream then closes.
func wantEnd(t *testing.T, s *sseStream, name, detail string) {
	t.Helper()
	e := s.next()
	var p problem
	if e.Type != "end" || e.ID != "" || json.Unmarshal(e.Data, &p) != nil || p.Status != 401 ||
		p.Type != "/problems/unauthorized" || !strings.Contains(p.Detail, detail) {
		t.Fatalf("%s: %q %s %s, want an end event without an id, a 401 problem saying %q", name, e.ID, e.Type, e.Data, detail)
	}
	select {
	case e, ok := <-s.events:
		if ok {
			t.Fatalf("%s: the stream goes on after its end: %s %s", name, e.ID, e.Type)
		}
	case <-time.After(10 * time.Second): // a deadline for a broken test
		t.Fatalf("%s: the stream stays open after its end", name)
	}
}

// TestFeedFollowsAccess holds feed streams open while their readers lose
// the right to read: each gets an end event at the next batch after its
// token expires, its key is revoked, or its member leaves the charter,
// and nothing of that batch; the public's stream and a member's whose
// token holds go on.
func TestFeedFollowsAccess(t *testing.T) {
	f := newAccessFixture(t, service.DeliveryConfig{})
	a2 := f.addKey(f.pa)
	url := f.d.URL()
	expiring := openFeed(t, url, "/v1/feed", f.token(f.pa, time.Hour), "")
	revoked := openFeed(t, url, "/v1/feed", f.token(a2, 8*time.Hour), "")
	removed := openFeed(t, url, "/v1/feed", f.token(f.mon, 8*time.Hour), "")
	member := openFeed(t, url, "/v1/feed", f.token(f.pb, 8*time.Hour), "")
	public := openFeed(t, url, "/v1/feed", "", "")

	f.bulletin("Before")
	for name, s := range map[string]*sseStream{"expiring": expiring, "revoked": revoked, "removed": removed, "member": member} {
		wantKind(t, s, name, truce.KindBulletin)
	}

	// The token expires; nothing happens until the next batch, which the
	// stream does not get.
	f.clk.set(t0.Add(time.Hour + time.Second))
	f.bulletin("After the hour")
	wantEnd(t, expiring, "expiring token", "expired")
	for name, s := range map[string]*sseStream{"revoked": revoked, "removed": removed, "member": member} {
		wantKind(t, s, name, truce.KindBulletin)
	}

	f.revoke(f.pa, a2)
	wantEnd(t, revoked, "revoked key", "revoked")
	for name, s := range map[string]*sseStream{"removed": removed, "member": member, "public": public} {
		wantKind(t, s, name, truce.KindKeyRevoke)
	}

	f.removeMonitor()
	wantEnd(t, removed, "removed member", "revoked") // leaving the charter revokes its keys
	wantKind(t, member, "member", truce.KindCharter)
	wantKind(t, public, "public", truce.KindCharter)

	// The public never saw a bulletin, and is not cut: it gets the next
	// statement it may read.
	f.bulletin("Last")
	f.addKey(f.pb)
	wantKind(t, member, "member", truce.KindBulletin)
	wantKind(t, member, "member", truce.KindKeyAdd)
	wantKind(t, public, "public", truce.KindKeyAdd)

	// Reconnecting with the dead token is refused.
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/feed", nil)
	req.Header.Set("Authorization", "Bearer "+f.token(a2, time.Hour))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkProblem(t, resp, body, 401, "revoked")
}

// hookReceiver records deliveries per path, and fails the next one to a
// path when told.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	fail map[string]bool
	got  map[string]chan truce.Kind
}

func newHookReceiver(t *testing.T, paths ...string) *hookReceiver {
	r := &hookReceiver{fail: map[string]bool{}, got: map[string]chan truce.Kind{}}
	for _, p := range paths {
		r.got[p] = make(chan truce.Kind, 64)
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var e struct {
			Type string       `json:"type"`
			Data truce.Record `json:"data"`
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		fail := r.fail[req.URL.Path]
		r.fail[req.URL.Path] = false
		r.mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Type != truce.EventStatement {
			t.Errorf("delivery to %s: %s", req.URL.Path, body)
			return
		}
		r.got[req.URL.Path] <- e.Data.Kind
	}))
	t.Cleanup(r.Close)
	return r
}

// failNext makes the next delivery to path fail.
func (r *hookReceiver) failNext(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail[path] = true
}

// want checks that the next deliveries to path are statements of kinds.
func (r *hookReceiver) want(t *testing.T, path string, kinds ...truce.Kind) {
	t.Helper()
	for _, want := range kinds {
		select {
		case got := <-r.got[path]:
			if got != want {
				t.Fatalf("delivery to %s: a %s statement, want %s", path, got, want)
			}
		case <-time.After(10 * time.Second): // a deadline for a broken test
			t.Fatalf("no delivery to %s within 10 s, want a %s statement", path, want)
		}
	}
}

// TestWebhooksFollowAccess registers hooks with a key of party-a's and
// with the monitor's key, then revokes the one and removes the other from
// the charter: from then on each hook gets what the public gets, even an
// event whose delivery failed before the revocation and is retried after.
func TestWebhooksFollowAccess(t *testing.T) {
	backoff := make(chan chan time.Time, 4)
	f := newAccessFixture(t, service.DeliveryConfig{After: func(time.Duration) <-chan time.Time {
		retry := make(chan time.Time, 1)
		backoff <- retry
		return retry
	}})
	recv := newHookReceiver(t, "/a", "/monitor")
	a2 := f.addKey(f.pa)
	register := func(s *truce.Signer, path string) truce.Webhook {
		t.Helper()
		c := newClient(t, f.d.URL())
		c.token = f.token(s, time.Hour)
		resp, body := c.do(http.MethodPost, "/v1/webhooks", []byte(`{"url":"`+recv.URL+path+`"}`))
		var h truce.Webhook
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &h) != nil || h.Key != s.ID() {
			t.Fatalf("register %s: %s %s, want 201 with key %s", path, resp.Status, body, s.ID())
		}
		return h
	}
	hookA := register(a2, "/a")
	register(f.mon, "/monitor")

	f.bulletin("Before")
	recv.want(t, "/a", truce.KindBulletin)
	recv.want(t, "/monitor", truce.KindBulletin)

	// The delivery of a bulletin fails; while it waits to be retried, the
	// key that registered the hook is revoked. The retry finds it may no
	// longer carry the bulletin, and the next delivery is the revocation.
	recv.failNext("/a")
	f.bulletin("Retried")
	var retry chan time.Time
	select {
	case retry = <-backoff:
	case <-time.After(10 * time.Second): // a deadline for a broken test
		t.Fatal("the failed delivery was not retried")
	}
	recv.want(t, "/monitor", truce.KindBulletin)
	f.revoke(f.pa, a2)
	retry <- time.Time{}
	recv.want(t, "/a", truce.KindKeyRevoke)
	recv.want(t, "/monitor", truce.KindKeyRevoke)

	f.removeMonitor()
	recv.want(t, "/a", truce.KindCharter)
	recv.want(t, "/monitor", truce.KindCharter)

	// Neither hook gets the next bulletin; both get the key registration
	// after it, which anyone may read.
	f.bulletin("After")
	f.addKey(f.pb)
	recv.want(t, "/a", truce.KindKeyAdd)
	recv.want(t, "/monitor", truce.KindKeyAdd)

	// Party-a still sees its hook, with the revoked key it reads as.
	c := newClient(t, f.d.URL())
	c.token = f.token(f.pa, time.Hour)
	var list struct{ Webhooks []truce.Webhook }
	c.getJSON("/v1/webhooks", &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].ID != hookA.ID || list.Webhooks[0].Key != a2.ID() {
		t.Errorf("party-a's webhooks: %+v, want %s with key %s", list.Webhooks, hookA.ID, a2.ID())
	}
}

// TestWebhookLimitConcurrently registers more webhooks at once than a
// member may keep: exactly the limit are created, the rest refused.
func TestWebhookLimitConcurrently(t *testing.T) {
	f := newAccessFixture(t, service.DeliveryConfig{})
	tok := f.token(f.pa, time.Hour)
	const attempts = 2*truce.MaxWebhooksPerMember + 8
	start := make(chan struct{})
	statuses := make(chan int, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodPost, f.d.URL()+"/v1/webhooks", strings.NewReader(fmt.Sprintf(`{"url":"https://example.org/hook/%d"}`, i)))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusConflict && !strings.Contains(string(body), "at most 16") {
				t.Errorf("refusal: %s", body)
			}
			statuses <- resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusCreated] != truce.MaxWebhooksPerMember || count[http.StatusConflict] != attempts-truce.MaxWebhooksPerMember {
		t.Errorf("statuses %v, want %d created and the rest 409", count, truce.MaxWebhooksPerMember)
	}
	c := newClient(t, f.d.URL())
	c.token = tok
	var list struct{ Webhooks []truce.Webhook }
	c.getJSON("/v1/webhooks", &list)
	if len(list.Webhooks) != truce.MaxWebhooksPerMember {
		t.Errorf("party-a keeps %d webhooks, want %d", len(list.Webhooks), truce.MaxWebhooksPerMember)
	}
}
