package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// clock is a settable clock shared by a daemon and the commands of a test.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// demoAt creates the demo deployment and serves it with the clock c.
func demoAt(t *testing.T, c *clock) (string, *Daemon) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	m := &Main{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"init", "--demo", "--dir", dir}); err != nil {
		t.Fatalf("truce init --demo: %v", err)
	}
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", Now: c.now}
	if err := d.Open(context.Background()); err != nil {
		t.Fatalf("open daemon: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return dir, d
}

// cli runs a truce command against d with the clock c.
func cli(t *testing.T, d *Daemon, c *clock, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Now: c.now,
		Getenv: func(k string) string {
			if k == "TRUCE_SERVER" {
				return d.URL()
			}
			return ""
		}}
	err := m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// memberAt returns a client for d that reads as the member of keyFile,
// with a token made at c's time.
func memberAt(t *testing.T, d *Daemon, c *clock, keyFile string) *client {
	t.Helper()
	s, err := truce.ReadSignerFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := truce.NewToken(s, s.Log, c.now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, d.URL())
	cl.token = tok
	return cl
}

// mustCLI runs a command that must succeed and returns its output.
func mustCLI(t *testing.T, d *Daemon, c *clock, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, d, c, args...)
	if err != nil {
		t.Fatalf("truce %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func inboxOf(t *testing.T, d *Daemon, c *clock, key string) truce.Inbox {
	t.Helper()
	var box truce.Inbox
	if err := json.Unmarshal([]byte(mustCLI(t, d, c, "inbox", "--key", key, "--json")), &box); err != nil {
		t.Fatal(err)
	}
	return box
}

func inboxIDs(l []truce.InboxIncident) []string {
	ids := make([]string, len(l))
	for i, inc := range l {
		ids[i] = inc.ID
	}
	return ids
}

// TestInboxReplyAndDetermine follows a new claim through the process: the
// accused party finds it in its inbox, overdue once its deadline passes,
// and replies; a monitor finds it to determine, and determines it.
func TestInboxReplyAndDetermine(t *testing.T) {
	c := newClock(time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)) // after the demo's own process
	dir, d := demoAt(t, c)
	key := func(m string) string { return filepath.Join(dir, "keys", m+".key") }
	// The mediator reads everything, with a token made at the clock's time.
	api := func() *client { return memberAt(t, d, c, key("us")) }

	// ua reports a drone strike at the Zaporizhzhia plant and accuses ru.
	out := mustCLI(t, d, c, "report", "--key", key("ua"), "--lat", "47.5125", "--lon", "34.590", "--radius", "300",
		"--start", "2025-03-24T03:10:00Z", "--act", "drone_strike", "--accused", "ru", "--source-kind", "party",
		"--text", "Drone hit the cooling pond pumping station")
	var r receipt
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var inc truce.Incident
	api().getJSON("/v1/incidents/"+r.ID, &inc)
	if inc.Status != truce.StatusAwaitingReply || inc.Assessment.ReplyDeadline == nil {
		t.Fatalf("the new incident: status %s, deadline %v, findings %q", inc.Status, inc.Assessment.ReplyDeadline, inc.Assessment.Findings)
	}
	deadline := *inc.Assessment.ReplyDeadline

	ru := inboxOf(t, d, c, key("ru"))
	if ru.Member != "ru" || ru.Role != truce.RoleParty || !slices.Contains(inboxIDs(ru.Reply), inc.ID) {
		t.Fatalf("ru's inbox does not list the incident %s to reply to: %+v", inc.ID, ru)
	}
	for _, x := range ru.Reply {
		if !slices.Contains(x.Accused, "ru") || (x.Status != truce.StatusAwaitingReply && x.Status != truce.StatusOverdue) {
			t.Errorf("ru's inbox lists %s, %s, accusing %v", x.ID, x.Status, x.Accused)
		}
	}
	if len(ru.Determine) != 0 {
		t.Errorf("a party's inbox lists incidents to determine: %v", inboxIDs(ru.Determine))
	}
	ua := inboxOf(t, d, c, key("ua"))
	if slices.Contains(inboxIDs(ua.Reply), inc.ID) {
		t.Errorf("ua, the accuser, is asked to reply to %s", inc.ID)
	}
	monitor := inboxOf(t, d, c, key("monitor"))
	if !slices.Contains(inboxIDs(monitor.Determine), inc.ID) || len(monitor.Reply) != 0 {
		t.Errorf("the monitor's inbox: reply %v, determine %v; want %s to determine", inboxIDs(monitor.Reply), inboxIDs(monitor.Determine), inc.ID)
	}

	// status= derives overdue at the reader's time.
	var awaiting, overdue incidentList
	api().getJSON("/v1/incidents?status=awaiting_reply&limit=1000", &awaiting)
	if !slices.ContainsFunc(awaiting.Incidents, func(x truce.Incident) bool { return x.ID == inc.ID }) {
		t.Errorf("status=awaiting_reply does not select %s", inc.ID)
	}
	c.set(deadline.Add(time.Hour))
	api().getJSON("/v1/incidents?status=overdue&limit=1000", &overdue)
	if !slices.ContainsFunc(overdue.Incidents, func(x truce.Incident) bool { return x.ID == inc.ID }) {
		t.Errorf("after the deadline, status=overdue does not select %s", inc.ID)
	}
	api().getJSON("/v1/incidents?status=awaiting_reply&limit=1000", &awaiting)
	if slices.ContainsFunc(awaiting.Incidents, func(x truce.Incident) bool { return x.ID == inc.ID }) {
		t.Errorf("after the deadline, status=awaiting_reply still selects %s", inc.ID)
	}
	out = mustCLI(t, d, c, "inbox", "--key", key("ru"))
	if !strings.Contains(out, inc.ID) || !strings.Contains(out, "[overdue, reply due "+deadline.Format(time.RFC3339)+"]") {
		t.Errorf("ru's inbox after the deadline:\n%s", out)
	}
	resp, data := api().do(http.MethodGet, "/v1/incidents?status=late", nil)
	checkProblem(t, resp, data, http.StatusBadRequest, "status")

	// ru replies, late; the incident leaves its inbox.
	mustCLI(t, d, c, "respond", "--key", key("ru"), "--incident", inc.ID, "--stance", "deny", "--text", "Ukrainian forces shelled it themselves")
	var got truce.Incident
	api().getJSON("/v1/incidents/"+inc.ID, &got)
	if got.Status != truce.StatusReplied || len(got.Responses) != 1 || !got.Responses[0].Late {
		t.Errorf("after the reply: status %s, responses %+v", got.Status, got.Responses)
	}
	if slices.Contains(inboxIDs(inboxOf(t, d, c, key("ru")).Reply), inc.ID) {
		t.Errorf("ru's inbox still lists %s after its reply", inc.ID)
	}

	// The monitor determines; the incident leaves its list.
	mustCLI(t, d, c, "determine", "--key", key("monitor"), "--incident", inc.ID, "--finding", "inconclusive", "--text", "Both sides' claims are unverified")
	if slices.Contains(inboxIDs(inboxOf(t, d, c, key("monitor")).Determine), inc.ID) {
		t.Errorf("the monitor's inbox still lists %s after its determination", inc.ID)
	}
	// The demo's charter needs the mediator to agree: until it does, the
	// incident awaits it.
	api().getJSON("/v1/incidents/"+inc.ID, &got)
	if got.Determination != nil || !slices.Contains(inboxIDs(inboxOf(t, d, c, key("us")).Determine), inc.ID) {
		t.Errorf("after the monitor alone: determination %+v; the mediator's inbox should list %s", got.Determination, inc.ID)
	}
	mustCLI(t, d, c, "determine", "--key", key("us"), "--incident", inc.ID, "--finding", "inconclusive", "--text", "Agreed")
	api().getJSON("/v1/incidents/"+inc.ID, &got)
	if got.Determination == nil || got.Determination.Finding != truce.FindingInconclusive || got.Status != truce.StatusDetermined {
		t.Errorf("determination: %+v, status %s", got.Determination, got.Status)
	}
	if slices.Contains(inboxIDs(inboxOf(t, d, c, key("us")).Determine), inc.ID) {
		t.Errorf("the mediator's inbox still lists the determined %s", inc.ID)
	}
}

// TestTokenCommand checks the bearer tokens the commands make and the server's
// answers to tokens that do not hold: expired, forged, for another log, of
// a key that is not registered, and none where one is needed.
func TestTokenCommand(t *testing.T) {
	c := newClock(t0)
	dir, d := demoAt(t, c)
	key := filepath.Join(dir, "keys", "ua.key")
	api := newClient(t, d.URL())
	s, err := truce.ReadSignerFile(key)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, token string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, d.URL()+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return resp, buf.Bytes()
	}

	// truce token prints a token the server accepts.
	tok := strings.TrimSpace(mustCLI(t, d, c, "token", "--key", key, "--ttl", "1h"))
	resp, data := get("/v1/whoami", tok)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"member":"ua"`) {
		t.Fatalf("whoami with the token: %s %s", resp.Status, data)
	}

	// No token where one is needed: 401 with a challenge.
	resp, data = api.do(http.MethodGet, "/v1/inbox", nil)
	checkProblem(t, resp, data, http.StatusUnauthorized, "truce token")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	resp, data = api.do(http.MethodGet, "/v1/bulletins", nil)
	checkProblem(t, resp, data, http.StatusUnauthorized, "members only")

	// Expired: made two hours ago for one hour.
	c.set(t0.Add(-2 * time.Hour))
	old := strings.TrimSpace(mustCLI(t, d, c, "token", "--key", key, "--ttl", "1h"))
	c.set(t0)
	resp, data = get("/v1/inbox", old)
	checkProblem(t, resp, data, http.StatusUnauthorized, "expired")
	// A command whose clock is two hours slow makes tokens that have
	// expired by the server's: it shows the server's 401.
	_, _, err = cli(t, d, newClock(t0.Add(-2*time.Hour)), "inbox", "--key", key)
	if err == nil || truce.ErrorCode(err) != truce.EUNAUTHORIZED || !strings.Contains(userMessage(err), "The token expired at 2025-03-18T1") {
		t.Errorf("inbox with a slow clock: %v", err)
	}

	// Forged: ua's claims signed with another key.
	forger := newKeyGen(7).signer(t, "ua", s.Log)
	forged, _ := truce.NewToken(forger, s.Log, t0, time.Hour)
	resp, data = get("/v1/inbox", forged)
	checkProblem(t, resp, data, http.StatusUnauthorized, "is not registered")
	claims, _, _ := strings.Cut(strings.TrimPrefix(tok, "truce1."), ".")
	_, sig, _ := strings.Cut(strings.TrimPrefix(forged, "truce1."), ".")
	resp, data = get("/v1/inbox", "truce1."+claims+"."+sig)
	checkProblem(t, resp, data, http.StatusUnauthorized, "does not verify")

	// For another log.
	other, _ := truce.NewToken(s, "truce.example/other", t0, time.Hour)
	resp, data = get("/v1/inbox", other)
	checkProblem(t, resp, data, http.StatusUnauthorized, "not this one")

	// Not a bearer token at all.
	req, _ := http.NewRequest(http.MethodGet, d.URL()+"/v1/inbox", nil)
	req.Header.Set("Authorization", "Basic dWE6dWE=")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic authorization: %s, want 401", r2.Status)
	}

	_, _, err = cli(t, d, c, "token", "--key", key, "--ttl", "25h")
	if err == nil || exitCode(err) != 2 {
		t.Errorf("token --ttl 25h: %v", err)
	}
}

// TestBulletinsAPI reads bulletins and their acknowledgements as members,
// and checks that the public may not.
func TestBulletinsAPI(t *testing.T) {
	c := newClock(t0)
	dir, d := demoAt(t, c)
	key := func(m string) string { return filepath.Join(dir, "keys", m+".key") }
	var r receipt
	out := mustCLI(t, d, c, "bulletin", "--key", key("us"), "--title", "Talks", "--text", "Talks resume on 25 March", "--to", "ua,ru", "--ack-requested")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, d, c, "ack", "--key", key("ru"), "--bulletin", r.ID)

	tokenFor := func(m string) string { return strings.TrimSpace(mustCLI(t, d, c, "token", "--key", key(m))) }
	member := &client{t: t, base: d.URL(), http: &http.Client{Transport: bearer(tokenFor("monitor"))}}
	var list struct {
		Bulletins []truce.BulletinState `json:"bulletins"`
	}
	member.getJSON("/v1/bulletins", &list)
	i := slices.IndexFunc(list.Bulletins, func(b truce.BulletinState) bool { return b.ID == r.ID })
	if i < 0 || i != len(list.Bulletins)-1 || len(list.Bulletins[i].Acks) != 1 || list.Bulletins[i].Acks[0].Member != "ru" {
		t.Fatalf("bulletins: %+v", list.Bulletins)
	}
	var one truce.BulletinState
	member.getJSON("/v1/bulletins/"+r.ID, &one)
	if one.Title != "Talks" || !slices.Equal(one.To, []string{"ua", "ru"}) || !one.AckRequested {
		t.Errorf("bulletin: %+v", one)
	}
	resp, data := member.do(http.MethodGet, "/v1/bulletins/"+strings.Repeat("0", 64), nil)
	checkProblem(t, resp, data, http.StatusNotFound, "not found")
	resp, data = newClient(t, d.URL()).do(http.MethodGet, "/v1/bulletins/"+r.ID, nil)
	checkProblem(t, resp, data, http.StatusUnauthorized, "members only")

	acks := func(box truce.Inbox) []string {
		var ids []string
		for _, b := range box.Acknowledge {
			ids = append(ids, b.ID)
		}
		return ids
	}
	if ua := inboxOf(t, d, c, key("ua")); !slices.Contains(acks(ua), r.ID) {
		t.Errorf("ua's inbox: %v, want %s to acknowledge", acks(ua), r.ID)
	}
	if ru := inboxOf(t, d, c, key("ru")); slices.Contains(acks(ru), r.ID) {
		t.Errorf("ru acknowledged, yet its inbox lists %s", r.ID)
	}
	if us := inboxOf(t, d, c, key("us")); len(us.Acknowledge) != 0 {
		t.Errorf("the author's inbox lists bulletins: %v", acks(us))
	}
}

// bearer is a transport that sends a bearer token.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// TestExportCommand downloads the three formats with the filters and
// checks that they hold the same incidents as the API lists.
func TestExportCommand(t *testing.T) {
	c := newClock(t0)
	dir, d := demoAt(t, c)
	key := filepath.Join(dir, "keys", "monitor.key")
	filters := []string{"--party", "ru", "--from", "2025-03-18T00:00:00Z"}
	var want incidentList
	newClient(t, d.URL()).as(key).getJSON("/v1/incidents?party=ru&from=2025-03-18T00:00:00Z&limit=1000", &want)
	if len(want.Incidents) < 2 {
		t.Fatalf("incidents accusing ru in the demo: %d", len(want.Incidents))
	}

	out := mustCLI(t, d, c, append([]string{"export", "--format", "jsonl", "--key", key}, filters...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want.Incidents) {
		t.Fatalf("jsonl: %d lines, want %d", len(lines), len(want.Incidents))
	}
	for i, l := range lines {
		var inc truce.Incident
		if err := json.Unmarshal([]byte(l), &inc); err != nil || inc.ID != want.Incidents[i].ID {
			t.Errorf("jsonl line %d: %v, id %s, want %s", i+1, err, inc.ID, want.Incidents[i].ID)
		}
	}

	file := filepath.Join(t.TempDir(), "incidents.csv")
	if out := mustCLI(t, d, c, append([]string{"export", "--format", "csv", "--key", key, "-o", file}, filters...)...); out != "" {
		t.Errorf("export -o wrote to stdout: %q", out)
	}
	f, _ := os.ReadFile(file)
	rows, err := csv.NewReader(bytes.NewReader(f)).ReadAll()
	if err != nil || len(rows) != len(want.Incidents)+1 {
		t.Errorf("csv: %v, %d rows, want %d", err, len(rows), len(want.Incidents)+1)
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, d, c, append([]string{"export", "--format", "geojson", "--key", key}, filters...)...)), &fc); err != nil ||
		fc.Type != "FeatureCollection" || len(fc.Features) != len(want.Incidents) {
		t.Errorf("geojson: %v, %s with %d features", err, fc.Type, len(fc.Features))
	}

	// Without a key, the export is the public's: no incident of the demo
	// is published, so it holds none.
	if out := mustCLI(t, d, c, append([]string{"export", "--format", "jsonl"}, filters...)...); out != "" {
		t.Errorf("the public's export holds unpublished incidents:\n%.300s", out)
	}

	// Bad input: the server's problem or a usage error; no file is left.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if _, _, err := cli(t, d, c, "export", "--format", "csv", "--grade", "excellent", "-o", bad); err == nil || !strings.Contains(err.Error(), "grade") {
		t.Errorf("export --grade excellent: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Errorf("a failed export left %s", bad)
	}
	for _, args := range [][]string{{"export"}, {"export", "--format", "xml"}, {"export", "--format", "csv", "extra"}} {
		if _, _, err := cli(t, d, c, args...); exitCode(err) != 2 {
			t.Errorf("truce %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

// TestVerifyAuditAsMember audits the log as a member, with a token.
func TestVerifyAuditAsMember(t *testing.T) {
	c := newClock(t0)
	dir, d := demoAt(t, c)
	state := filepath.Join(t.TempDir(), "state.json")
	out := mustCLI(t, d, c, "verify", "--audit", "--key", filepath.Join(dir, "keys", "monitor.key"), "--state", state)
	if !strings.Contains(out, "every verdict and incident matches the server's") {
		t.Errorf("verify --audit --key:\n%s", out)
	}
}

// TestSourceReads checks what a vetted source reads of the members'
// channel: an empty inbox, and no bulletins (403).
func TestSourceReads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dep")
	m := &Main{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Now: fixedNow, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), []string{"init", "--dir", dir, "--member", "party-a:party:Party A", "--member", "party-b:party:Party B",
		"--member", "mediator:mediator:Mediator", "--member", "osint:source:An OSINT group"})
	if err != nil {
		t.Fatalf("truce init: %v", err)
	}
	c := newClock(t0)
	d := openDaemon(t, dir)
	key := func(m string) string { return filepath.Join(dir, "keys", m+".key") }
	mustCLI(t, d, c, "bulletin", "--key", key("mediator"), "--title", "Talks", "--text", "Talks resume", "--ack-requested")

	source := memberAt(t, d, c, key("osint"))
	resp, data := source.do(http.MethodGet, "/v1/bulletins", nil)
	checkProblem(t, resp, data, http.StatusForbidden, "osint is a source")
	box := inboxOf(t, d, c, key("osint"))
	if box.Role != truce.RoleSource || len(box.Reply)+len(box.Acknowledge)+len(box.Determine) != 0 {
		t.Errorf("a source's inbox: %+v", box)
	}
	if a := inboxOf(t, d, c, key("party-a")); len(a.Acknowledge) != 1 {
		t.Errorf("party-a's inbox: %+v", a.Acknowledge)
	}
}
