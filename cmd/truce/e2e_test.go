package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// The end-to-end tests run the real Main and Daemon: "truce init" into a
// temporary directory, then the HTTP API on a free loopback port.

func TestE2ESubmit(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(1)

	list, _ := c.allStatements(100)
	if len(list) != 1 || list[0].Kind != "charter" || list[0].Index != 0 || list[0].Status != "accepted" {
		t.Fatalf("a new deployment's log: %+v, want its charter alone", list)
	}
	if n := c.logSize(dep.VerifierKey); n != 1 {
		t.Fatalf("log size %d, want 1", n)
	}

	pa := dep.signer(t, "party-a")
	st, _ := keyAdd(t, g, pa)
	status, r := c.submit(st.Raw)
	if status != http.StatusCreated {
		t.Fatalf("first submission: status %d, want 201", status)
	}
	if r.Index != 1 || r.Kind != "key.add" || r.Status != "accepted" || r.ID != st.ID {
		t.Fatalf("receipt %+v, want key.add %s accepted at index 1", r, st.ID)
	}
	verifyReceipt(t, dep.VerifierKey, r, st.Raw)

	t.Run("duplicate", func(t *testing.T) {
		c := newClient(t, d.URL())
		status, again := c.submit(st.Raw)
		if status != http.StatusOK || again.ID != r.ID || again.Index != r.Index {
			t.Fatalf("second submission: %d %+v, want 200 with id %s index %d", status, again, r.ID, r.Index)
		}
		verifyReceipt(t, dep.VerifierKey, again, st.Raw)
		// The same envelope with other whitespace is the same statement:
		// its id is the hash of the canonical form.
		var pretty bytes.Buffer
		json.Indent(&pretty, st.Raw, "", "    ")
		status, again = c.submit(pretty.Bytes())
		if status != http.StatusOK || again.ID != r.ID || again.Index != r.Index {
			t.Fatalf("pretty-printed resubmission: %d %+v, want 200 with id %s index %d", status, again, r.ID, r.Index)
		}
		if n := c.logSize(dep.VerifierKey); n != 2 {
			t.Fatalf("log size %d after duplicates, want 2", n)
		}
		if all, _ := c.allStatements(100); len(all) != 2 {
			t.Fatalf("%d statements after duplicates, want 2", len(all))
		}
	})

	t.Run("concurrent duplicates", func(t *testing.T) {
		c := newClient(t, d.URL())
		st, _ := keyAdd(t, g, pa)
		before := c.logSize(dep.VerifierKey)
		const n = 20
		statuses := make([]int, n)
		receipts := make([]receipt, n)
		errs := make([]error, n)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range n {
			wg.Go(func() {
				start.Wait()
				resp, err := http.Post(d.URL()+"/v1/statements", "application/json", bytes.NewReader(st.Raw))
				if err != nil {
					errs[i] = err
					return
				}
				defer resp.Body.Close()
				statuses[i] = resp.StatusCode
				errs[i] = json.NewDecoder(resp.Body).Decode(&receipts[i])
			})
		}
		start.Done()
		wg.Wait()
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			switch statuses[i] {
			case http.StatusCreated:
				created++
			case http.StatusOK:
			default:
				t.Fatalf("submission %d: status %d", i, statuses[i])
			}
			if receipts[i].ID != st.ID || receipts[i].Index != receipts[0].Index {
				t.Fatalf("submission %d: receipt %s at %d, want %s at %d", i, receipts[i].ID, receipts[i].Index, st.ID, receipts[0].Index)
			}
			verifyReceipt(t, dep.VerifierKey, receipts[i], st.Raw)
		}
		if created != 1 {
			t.Errorf("%d submissions answered 201, want exactly 1", created)
		}
		if after := c.logSize(dep.VerifierKey); after != before+1 {
			t.Errorf("log grew from %d to %d, want one entry", before, after)
		}
		all, _ := c.allStatements(100)
		count := 0
		for _, s := range all {
			if s.ID == st.ID {
				count++
			}
		}
		if count != 1 {
			t.Errorf("statement %s is listed %d times, want once", st.ID, count)
		}
	})

	t.Run("reads", func(t *testing.T) {
		c := newClient(t, d.URL())
		submitted := map[string][]byte{st.ID: st.Raw}
		indexOf := map[string]uint64{st.ID: r.Index}
		for _, member := range []string{"party-b", "mediator", "monitor", "party-a"} {
			st, _ := keyAdd(t, g, dep.signer(t, member))
			_, r := c.submit(st.Raw)
			submitted[st.ID], indexOf[st.ID] = st.Raw, r.Index
		}

		all, _ := c.allStatements(1000)
		for _, limit := range []int{1, 2, 3} {
			paged, _ := c.allStatements(limit)
			if !sameStatements(paged, all) {
				t.Errorf("paging by %d gives another list than one page", limit)
			}
		}
		for id, raw := range submitted {
			var v statementView
			c.getJSON("/v1/statements/"+id, &v)
			if !bytes.Equal(v.Envelope, raw) {
				t.Errorf("GET /v1/statements/%s: envelope\n%s\nwant the submitted bytes\n%s", id, v.Envelope, raw)
			}
			if v.ID != id || v.Index != indexOf[id] || v.Status != "accepted" {
				t.Errorf("GET /v1/statements/%s: %+v", id, v)
			}
			if !bytes.Equal(all[v.Index].Envelope, raw) {
				t.Errorf("listing at %d: envelope differs from the submitted bytes", v.Index)
			}
			var rr receipt
			c.getJSON("/v1/receipts/"+id, &rr)
			if rr.Index != indexOf[id] {
				t.Errorf("GET /v1/receipts/%s: index %d, want %d", id, rr.Index, indexOf[id])
			}
			verifyReceipt(t, dep.VerifierKey, rr, raw)
		}

		var page statementList
		c.getJSON(fmt.Sprintf("/v1/statements?from=%d", len(all)+5), &page)
		if len(page.Statements) != 0 || page.Next != uint64(len(all)+5) {
			t.Errorf("page past the end: %+v", page)
		}
		for _, q := range []string{"from=-1", "limit=1001", "limit=x", "from=1e3"} {
			resp, data := c.do(http.MethodGet, "/v1/statements?"+q, nil)
			checkProblem(t, resp, data, http.StatusBadRequest, "Query parameter")
		}
		for _, path := range []string{"/v1/statements/" + strings.Repeat("0", 64), "/v1/receipts/" + strings.Repeat("0", 64), "/v1/receipts/nope"} {
			resp, data := c.do(http.MethodGet, path, nil)
			checkProblem(t, resp, data, http.StatusNotFound, "not found")
		}

		var members struct {
			Members []memberView `json:"members"`
		}
		c.getJSON("/v1/members", &members)
		wantKeys := map[string]int{"mediator": 2, "monitor": 2, "operator": 1, "party-a": 4, "party-b": 2}
		if len(members.Members) != len(wantKeys) {
			t.Fatalf("members: %+v", members)
		}
		for i, m := range members.Members {
			if i > 0 && members.Members[i-1].ID >= m.ID {
				t.Errorf("members not ordered by id: %q after %q", m.ID, members.Members[i-1].ID)
			}
			if len(m.Keys) != wantKeys[m.ID] {
				t.Errorf("member %s has %d keys, want %d", m.ID, len(m.Keys), wantKeys[m.ID])
			}
			for _, k := range m.Keys {
				if k.Member != m.ID {
					t.Errorf("member %s lists key %s of %s", m.ID, k.ID, k.Member)
				}
			}
		}
	})
}

func sameStatements(a, b []statementView) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Index != b[i].Index || !bytes.Equal(a[i].Envelope, b[i].Envelope) {
			return false
		}
	}
	return true
}

func TestE2ERoutes(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())

	resp, data := c.do(http.MethodGet, "/healthz", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || !bytes.Contains(data, []byte(`"ok"`)) {
		t.Errorf("GET /healthz: %s %q %s", resp.Status, resp.Header.Get("Content-Type"), data)
	}
	if got := string(c.get("/log/vkey")); got != dep.VerifierKey+"\n" {
		t.Errorf("GET /log/vkey: %q, want %q", got, dep.VerifierKey+"\n")
	}
	resp, data = c.do(http.MethodGet, "/log/checkpoint", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("GET /log/checkpoint: %s, Cache-Control %q", resp.Status, resp.Header.Get("Cache-Control"))
	}
	cp := verifyCheckpoint(t, dep.VerifierKey, string(data))
	if cp.Size != 1 || cp.Origin != dep.Origin {
		t.Errorf("checkpoint %+v, want size 1 of %s", cp, dep.Origin)
	}
	// The charter is the only entry: a partial level-0 tile of width 1
	// and a partial entry bundle of one entry.
	for _, p := range []string{"/log/tile/0/000.p/1", "/log/tile/entries/000.p/1"} {
		resp, _ := c.do(http.MethodGet, p, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("GET %s: %s %q", p, resp.Status, resp.Header.Get("Content-Type"))
		}
	}

	notFound := []string{
		"/log/.state/treeState", "/log/.state/version", "/log/.state/", "/log/.state",
		"/log/%2estate/treeState", "/log/tile/..%2f.state/treeState",
		"/log/", "/log/tile", "/log/tile/0/000.p/2", "/log/truce.lock",
		"/nope", "/v1", "/v1/statements/", "/v1/nope",
	}
	for _, p := range notFound {
		t.Run("GET "+p, func(t *testing.T) {
			resp, data := c.do(http.MethodGet, p, nil)
			checkProblem(t, resp, data, http.StatusNotFound, "")
			if bytes.Contains(data, []byte("treeState\":")) || bytes.Contains(data, []byte(`"size"`)) {
				t.Errorf("GET %s leaks the log's private state: %s", p, data)
			}
		})
	}
	for _, mp := range []struct{ method, path, allow string }{
		{http.MethodDelete, "/v1/statements", "POST"},
		{http.MethodPut, "/v1/members", "GET"},
		{http.MethodPost, "/v1/members", "GET"},
		{http.MethodGet, "/v1/statements/batch", ""}, // {id} = "batch": not found
		{http.MethodPost, "/log/checkpoint", "GET"},
		{http.MethodPatch, "/healthz", "GET"},
	} {
		t.Run(mp.method+" "+mp.path, func(t *testing.T) {
			resp, data := c.do(mp.method, mp.path, nil)
			if mp.allow == "" {
				checkProblem(t, resp, data, http.StatusNotFound, "")
				return
			}
			checkProblem(t, resp, data, http.StatusMethodNotAllowed, mp.method)
			if !strings.Contains(resp.Header.Get("Allow"), mp.allow) {
				t.Errorf("Allow %q, want it to contain %s", resp.Header.Get("Allow"), mp.allow)
			}
		})
	}
}

// badCase is a request the server must refuse without touching the log.
type badCase struct {
	name   string
	method string // default POST
	path   string // default /v1/statements
	body   []byte
	status int
	detail string // a substring of the problem's detail
}

func TestE2EBadInput(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(2)
	pa, pb, med := dep.signer(t, "party-a"), dep.signer(t, "party-b"), dep.signer(t, "mediator")

	// A key of party-a's, added and then revoked.
	addRevoked, revoked := keyAdd(t, g, pa)
	c.submit(addRevoked.Raw)
	c.submit(sign(t, pa, truce.KindKeyRevoke, t0, truce.KeyRevoke{Member: "party-a", KeyID: revoked.ID(), Reason: "Lost with a laptop."}).Raw)

	good, _ := keyAdd(t, g, pa)
	// flip returns good with signature i spoilt.
	flip := func(i int) []byte {
		var env truce.Envelope
		if err := json.Unmarshal(good.Raw, &env); err != nil {
			t.Fatal(err)
		}
		env.Signatures[i].Sig[7] ^= 1
		return env.Canonical()
	}
	unknown := g.signer(t, "party-a", dep.Origin)
	fresh, other := g.signer(t, "party-a", dep.Origin), g.signer(t, "party-a", dep.Origin)
	freshKey := truce.KeyAdd{Key: truce.NewPublicKey(fresh.Public())}
	_, charterID := c.charter()
	// amendment returns a charter that replaces the one naming replaces
	// and names the mediator its only party.
	amendment := func(replaces string) truce.Charter {
		return truce.Charter{Name: "Take-over", Replaces: replaces, Members: []truce.Member{{ID: "mediator", Role: truce.RoleParty, Name: "M", Keys: []truce.PublicKey{truce.NewPublicKey(med.Public())}}}}
	}
	impostor := &truce.Signer{Member: "party-a", Key: pb.Key, Log: dep.Origin}
	otherLog := *pa
	otherLog.Log = "truce.localhost/another"
	payload := func(kind, body string) []byte {
		return fmt.Appendf(nil, `{"kind":%q,"log":%q,"signer":"party-a","time":"2025-03-18T12:00:00Z","body":%s}`, kind, dep.Origin, body)
	}
	newKey, _ := json.Marshal(truce.KeyAdd{Key: truce.NewPublicKey(g.signer(t, "party-a", dep.Origin).Public())})
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)

	cases := []badCase{
		{name: "malformed JSON", body: []byte(`{"payloadType":`), status: 400, detail: "JSON"},
		{name: "not JSON", body: []byte(`hello`), status: 400, detail: "JSON"},
		{name: "empty body", body: nil, status: 400, detail: "JSON"},
		{name: "trailing data", body: append(append([]byte{}, good.Raw...), `{}`...), status: 400, detail: "after the JSON"},
		{name: "unknown envelope field", body: bytes.Replace(good.Raw, []byte(`{"payloadType"`), []byte(`{"extra":1,"payloadType"`), 1), status: 400, detail: "extra"},
		{name: "wrong payloadType", body: bytes.Replace(good.Raw, []byte(truce.PayloadType), []byte("application/json"), 1), status: 400, detail: "payloadType"},
		{name: "body over 64 KiB", body: append([]byte(`{"payloadType":"`), bytes.Repeat([]byte("a"), 70000)...), status: 413, detail: "larger than"},
		{name: "no signature", body: []byte(fmt.Sprintf(`{"payloadType":%q,"payload":"e30=","signatures":[]}`, truce.PayloadType)), status: 401, detail: "no signature"},
		{name: "bad signature", body: flip(0), status: 401, detail: "does not verify"},
		{name: "unknown key", body: func() []byte { st, _ := keyAdd(t, g, unknown); return st.Raw }(), status: 401, detail: "not registered"},
		{name: "revoked key", body: func() []byte { st, _ := keyAdd(t, g, revoked); return st.Raw }(), status: 401, detail: "revoked"},
		{name: "key of another member", body: func() []byte { st, _ := keyAdd(t, g, impostor); return st.Raw }(), status: 403, detail: "belongs to"},
		{name: "party revokes another member's key", body: sign(t, pb, truce.KindKeyRevoke, t0, truce.KeyRevoke{Member: "party-a", KeyID: pa.ID(), Reason: "Because."}).Raw, status: 403, detail: "may revoke"},
		{name: "revoke the last active key", body: sign(t, med, truce.KindKeyRevoke, t0, truce.KeyRevoke{Member: "monitor", KeyID: dep.signer(t, "monitor").ID(), Reason: "Stolen."}).Raw, status: 409, detail: "last active key"},
		{name: "key registered twice", body: addKey(t, pb, pa, t0).Raw, status: 409, detail: "already registered"},
		{name: "key.add without the new key's signature", body: sign(t, pa, truce.KindKeyAdd, t0, freshKey).Raw, status: 400, detail: "carries 2 signature(s), not 1"},
		{name: "key.add signed by the new key alone", body: sign(t, fresh, truce.KindKeyAdd, t0, freshKey).Raw, status: 400, detail: "carries 2 signature(s), not 1"},
		{name: "key.add with a third signature", body: sign(t, pa, truce.KindKeyAdd, t0, freshKey, fresh, other).Raw, status: 400, detail: "carries 2 signature(s), not 3"},
		{name: "key.add cosigned by another key", body: sign(t, pa, truce.KindKeyAdd, t0, freshKey, other).Raw, status: 401, detail: "second signature must be by the key it adds"},
		{name: "key.add cosigned by a registered key", body: sign(t, pa, truce.KindKeyAdd, t0, freshKey, pb).Raw, status: 401, detail: "second signature must be by the key it adds"},
		{name: "key.add whose new key's signature does not verify", body: flip(1), status: 401, detail: "second signature must be by the key it adds"},
		{name: "key.add signed by the new key first", body: sign(t, fresh, truce.KindKeyAdd, t0, freshKey, pa).Raw, status: 401, detail: "not registered"},
		{name: "charter amendment by one party", body: sign(t, med, truce.KindCharter, t0, amendment(charterID)).Raw, status: 403, detail: "every party"},
		{name: "charter amendment naming no charter", body: sign(t, pa, truce.KindCharter, t0, amendment(""), pb).Raw, status: 409, detail: "must name the charter in force"},
		{name: "charter amendment naming another statement", body: sign(t, pa, truce.KindCharter, t0, amendment(addRevoked.ID), pb).Raw, status: 409, detail: "must name the charter in force"},
		{name: "time more than five minutes ahead", body: addKey(t, pa, unknown, t0.Add(5*time.Minute+time.Second)).Raw, status: 400, detail: "ahead of the server's clock"},
		{name: "statement for another log", body: func() []byte { st, _ := keyAdd(t, g, &otherLog); return st.Raw }(), status: 400, detail: "is for log"},
		{name: "invalid UTF-8 in envelope", body: bytes.Replace(good.Raw, []byte(`"signatures"`), []byte("\"sig\xffnatures\""), 1), status: 400, detail: "UTF-8"},
		{name: "invalid UTF-8 in payload", body: rawEnvelope(pa, payload("key.add", "{\"key\":{\"id\":\"\xff\xfe\"}}")), status: 400, detail: "UTF-8"},
		{name: "payload not an object", body: rawEnvelope(pa, []byte(`[1,2,3]`)), status: 400, detail: "object"},
		{name: "payload a string", body: rawEnvelope(pa, []byte(`"key.add"`)), status: 400, detail: "object"},
		{name: "body not an object", body: rawEnvelope(pa, payload("key.add", `[1]`)), status: 400, detail: "body must be a JSON object"},
		{name: "unknown kind", body: rawEnvelope(pa, payload("no.such.kind", `{}`)), status: 400, detail: "unknown kind"},
		{name: "unknown body field", body: rawEnvelope(pa, payload("key.add", string(newKey[:len(newKey)-1])+`,"x":1}`)), status: 400, detail: "x"},
		{name: "deep nesting in payload", body: rawEnvelope(pa, payload("key.add", deep)), status: 400, detail: "nests deeper"},
		{name: "deep nesting in envelope", body: []byte(strings.Repeat("[", 10000) + strings.Repeat("]", 10000)), status: 400, detail: "nests deeper"},
		{name: "payload not base64", body: []byte(fmt.Sprintf(`{"payloadType":%q,"payload":"***","signatures":[{"keyid":%q,"sig":"%s"}]}`, truce.PayloadType, pa.ID(), strings.Repeat("A", 86)+"==")), status: 400, detail: "base64"},
		{name: "unknown route", method: "POST", path: "/v1/nope", body: good.Raw, status: 404, detail: "No route"},
		{name: "wrong method", method: "PUT", path: "/v1/statements", body: good.Raw, status: 405, detail: "not allowed"},
	}
	sizeBefore := c.logSize(dep.VerifierKey)
	listBefore, _ := c.allStatements(1000)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, d.URL())
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/v1/statements"
			}
			resp, data := c.do(method, path, tc.body)
			checkProblem(t, resp, data, tc.status, tc.detail)
			if n := c.logSize(dep.VerifierKey); n != sizeBefore {
				t.Fatalf("log size %d after a refused request, want %d", n, sizeBefore)
			}
			if list, _ := c.allStatements(1000); len(list) != len(listBefore) {
				t.Fatalf("%d statements after a refused request, want %d", len(list), len(listBefore))
			}
		})
	}

	// The refused statements were refused for what they are, not for the
	// state of the server: the good one still goes in, and so does one
	// claiming a time exactly five minutes ahead.
	if status, _ := c.submit(good.Raw); status != http.StatusCreated {
		t.Errorf("good statement after the bad ones: %d, want 201", status)
	}
	edge := addKey(t, pa, unknown, t0.Add(5*time.Minute))
	if status, _ := c.submit(edge.Raw); status != http.StatusCreated {
		t.Errorf("statement five minutes ahead: %d, want 201", status)
	}
}

// batchResult is one line of a batch answer.
type batchResult struct {
	Line    int      `json:"line"`
	Status  int      `json:"status"`
	Receipt *receipt `json:"receipt"`
	Problem *problem `json:"problem"`
}

func TestE2EBatch(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(3)
	pa, pb := dep.signer(t, "party-a"), dep.signer(t, "party-b")

	logged, _ := keyAdd(t, g, pa)
	c.submit(logged.Raw)
	good1, _ := keyAdd(t, g, pa)
	good2, _ := keyAdd(t, g, pb)
	twice, _ := keyAdd(t, g, dep.signer(t, "monitor"))
	unknown := g.signer(t, "party-b", dep.Origin)
	future := addKey(t, pb, unknown, t0.Add(time.Hour))
	stranger, _ := keyAdd(t, g, unknown)

	type want struct {
		status int
		id     string
		detail string
	}
	lines := []struct {
		data []byte
		want *want // nil: a blank line, which has no result
	}{
		{good1.Raw, &want{201, good1.ID, ""}},
		{logged.Raw, &want{200, logged.ID, ""}},
		{[]byte(`{"payloadType":`), &want{400, "", "JSON"}},
		{nil, nil},
		{twice.Raw, &want{0, twice.ID, ""}},
		{stranger.Raw, &want{401, "", "not registered"}},
		{[]byte("   "), nil},
		{future.Raw, &want{400, "", "ahead"}},
		{append(append([]byte{}, good2.Raw...), '\r'), &want{201, good2.ID, ""}},
		{twice.Raw, &want{0, twice.ID, ""}},
		{bytes.Repeat([]byte("x"), 70000), &want{413, "", "bytes"}},
		{[]byte("\xff\xfe"), &want{400, "", "UTF-8"}},
	}
	var body []byte
	for i, l := range lines {
		if i > 0 {
			body = append(body, '\n')
		}
		body = append(body, l.data...)
	}

	before := c.logSize(dep.VerifierKey)
	resp, data := c.do(http.MethodPost, "/v1/statements/batch", body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("batch: %s %q\n%s", resp.Status, resp.Header.Get("Content-Type"), data)
	}
	var results []batchResult
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var r batchResult
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("batch answer: %v\n%s", err, data)
		}
		results = append(results, r)
	}
	if n := bytes.Count(data, []byte("\n")); n != len(results) {
		t.Errorf("batch answer has %d lines for %d results", n, len(results))
	}

	next := 0
	twiceCreated := 0
	for i, l := range lines {
		if l.want == nil {
			continue
		}
		if next >= len(results) {
			t.Fatalf("batch answer has %d results; line %d has none", len(results), i+1)
		}
		r := results[next]
		next++
		if r.Line != i+1 {
			t.Fatalf("result %d is for line %d, want %d", next, r.Line, i+1)
		}
		w := l.want
		switch {
		case w.id != "":
			if r.Receipt == nil || r.Problem != nil || r.Receipt.ID != w.id {
				t.Errorf("line %d: %+v, want a receipt for %s", r.Line, r, w.id)
				continue
			}
			verifyReceipt(t, dep.VerifierKey, *r.Receipt, bytes.TrimSpace(l.data))
			if w.status == 0 { // the same statement twice in one batch
				if r.Status == http.StatusCreated {
					twiceCreated++
				} else if r.Status != http.StatusOK {
					t.Errorf("line %d: status %d, want 200 or 201", r.Line, r.Status)
				}
			} else if r.Status != w.status {
				t.Errorf("line %d: status %d, want %d", r.Line, r.Status, w.status)
			}
		default:
			if r.Status != w.status || r.Problem == nil || r.Receipt != nil || r.Problem.Status != w.status ||
				!readable(r.Problem.Detail) || !strings.Contains(r.Problem.Detail, w.detail) {
				t.Errorf("line %d: %d %+v, want %d and a problem about %q", r.Line, r.Status, r.Problem, w.status, w.detail)
			}
		}
	}
	if next != len(results) {
		t.Errorf("batch answer has %d results, want %d", len(results), next)
	}
	if twiceCreated != 1 {
		t.Errorf("a statement twice in one batch was created %d times, want once", twiceCreated)
	}
	// good1, good2 and twice, once.
	if after := c.logSize(dep.VerifierKey); after != before+3 {
		t.Errorf("log grew from %d to %d, want 3 entries", before, after)
	}

	// A batch of nothing answers nothing.
	resp, data = c.do(http.MethodPost, "/v1/statements/batch", []byte("\n\n"))
	if resp.StatusCode != http.StatusOK || len(data) != 0 {
		t.Errorf("empty batch: %s %q", resp.Status, data)
	}
}

func TestE2ERebuild(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(4)
	med := dep.signer(t, "mediator")

	var lines [][]byte
	var added []*truce.Signer
	for _, m := range []string{"party-a", "party-b", "mediator", "monitor", "party-a"} {
		st, k := keyAdd(t, g, dep.signer(t, m))
		lines, added = append(lines, st.Raw), append(added, k)
	}
	resp, data := c.do(http.MethodPost, "/v1/statements/batch", bytes.Join(lines, []byte("\n")))
	if resp.StatusCode != http.StatusOK || bytes.Count(data, []byte(`"status":201`)) != len(lines) {
		t.Fatalf("batch: %s\n%s", resp.Status, data)
	}
	// The mediator revokes a party's key; a key signs for its own member.
	c.submit(sign(t, med, truce.KindKeyRevoke, t0, truce.KeyRevoke{Member: "party-b", KeyID: added[1].ID(), Reason: "Reported stolen."}).Raw)
	st, _ := keyAdd(t, g, added[0])
	c.submit(st.Raw)

	snapshot := func(c *client) (string, string) {
		_, pages := c.allStatements(3)
		return string(bytes.Join(pages, []byte("\n"))), string(c.get("/v1/members"))
	}
	statementsBefore, membersBefore := snapshot(c)
	if err := d.Close(); err != nil {
		t.Fatalf("close daemon: %v", err)
	}

	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"rebuild", "--dir", dep.Dir}); err != nil {
		t.Fatalf("truce rebuild: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Replayed 8 log entries") {
		t.Errorf("rebuild says %q, want it to have replayed 8 entries", stdout.String())
	}
	d2 := openDaemon(t, dep.Dir)
	statementsAfter, membersAfter := snapshot(newClient(t, d2.URL()))
	if statementsAfter != statementsBefore {
		t.Errorf("statements after rebuild:\n%s\nbefore:\n%s", statementsAfter, statementsBefore)
	}
	if membersAfter != membersBefore {
		t.Errorf("members after rebuild:\n%s\nbefore:\n%s", membersAfter, membersBefore)
	}
	if err := d2.Close(); err != nil {
		t.Fatalf("close daemon: %v", err)
	}

	// With the projection deleted outright, the daemon replays the log on
	// start and reaches the same state.
	matches, _ := filepath.Glob(filepath.Join(dep.Dir, "truce.db*"))
	if len(matches) == 0 {
		t.Fatal("no truce.db in the deployment")
	}
	for _, f := range matches {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	d3 := openDaemon(t, dep.Dir)
	statementsAfter, membersAfter = snapshot(newClient(t, d3.URL()))
	if statementsAfter != statementsBefore || membersAfter != membersBefore {
		t.Errorf("projection replayed from scratch differs:\n%s\n%s\nbefore:\n%s\n%s", statementsAfter, membersAfter, statementsBefore, membersBefore)
	}
}

// TestE2EVerifyDetectsRewrites serves a log, lets "truce verify" see it,
// then puts back an older copy of the log and grows it differently: the
// rollback, the fork at the same size and the rewritten history are each
// refused, and the state keeps the checkpoint seen before.
func TestE2EVerifyDetectsRewrites(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	g := newKeyGen(5)
	logDir := filepath.Join(dep.Dir, "log")
	backup := filepath.Join(t.TempDir(), "log-at-1")
	if err := os.CopyFS(backup, os.DirFS(logDir)); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	pa := dep.signer(t, "party-a")

	verify := func(url string) (string, error) {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Now: fixedNow, Getenv: func(string) string { return "" }}
		err := m.Run(context.Background(), []string{"verify", "--server", url, "--state", state, "--vkey", dep.VerifierKey})
		return stdout.String(), err
	}
	// serve opens the deployment with its log as it is now, or as the
	// backup was, with the projection rebuilt from that log.
	serve := func(restore bool, statements int) (*Daemon, string) {
		if restore {
			dbs, _ := filepath.Glob(filepath.Join(dep.Dir, "truce.db*"))
			for _, p := range append(dbs, logDir) {
				if err := os.RemoveAll(p); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.CopyFS(logDir, os.DirFS(backup)); err != nil {
				t.Fatal(err)
			}
		}
		d := openDaemon(t, dep.Dir)
		c := newClient(t, d.URL())
		for range statements {
			st, _ := keyAdd(t, g, pa)
			c.submit(st.Raw)
		}
		return d, d.URL()
	}
	stateNow := func() string {
		data, err := os.ReadFile(state)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	d, url := serve(false, 1)
	if out, err := verify(url); err != nil || !strings.Contains(out, "size 2 verified") {
		t.Fatalf("verify the honest log: %q %v", out, err)
	}
	seen := stateNow()
	d.Close()

	for _, tc := range []struct {
		name       string
		statements int
		want       string
	}{
		{"rollback", 0, "smaller than the 2 this client saw before"},
		{"fork", 1, "two different trees of 2 entries"},
		{"rewrite", 2, "is not an extension of the tree of 2"},
	} {
		d, url := serve(true, tc.statements)
		out, err := verify(url)
		if err == nil || !strings.Contains(userMessage(err), tc.want) {
			t.Errorf("%s: verify said %q, %v; want an error containing %q", tc.name, out, err, tc.want)
		}
		if stateNow() != seen {
			t.Errorf("%s: verify changed its state after refusing the log", tc.name)
		}
		d.Close()
	}
}
