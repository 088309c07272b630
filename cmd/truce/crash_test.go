package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// TestCrash kills "truce serve" with SIGKILL while statements are being
// submitted (key additions, and bulletins, which are sealed: the envelope
// goes to the vault before the commitment goes to the log), at a point chosen by a seeded random count of acknowledged
// statements, restarts it, and checks that nothing acknowledged was lost:
// every acknowledged statement is in the log under a checkpoint consistent
// with the one its receipt carried, and in the projection, which equals
// what "truce rebuild" makes from the log. Three rounds, on one deployment.
//
// TRUCE_CRASH_SEED=N replays another choice of kill points.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the truce binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL and SIGTERM")
	}
	t.Parallel()
	seed := uint64(1)
	if s := os.Getenv("TRUCE_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TRUCE_CRASH_SEED: %v", err)
		}
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x7275636563726173))

	bin := buildTruce(t)
	work := t.TempDir()
	dir := filepath.Join(work, "dep")
	runTruce(t, bin, "init", "--dir", dir)
	dep := &testDeployment{Dir: dir}
	var cfg struct {
		VerifierKey string `json:"verifier_key"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "truce.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	dep.VerifierKey = cfg.VerifierKey
	var members []*truce.Signer
	for _, m := range []string{"party-a", "party-b", "mediator", "monitor"} {
		members = append(members, dep.signer(t, m))
	}
	g := newKeyGen(seed)

	acked := map[string]ack{} // every statement ever acknowledged, by id
	for round := range 3 {
		killAfter := 5 + rng.IntN(40)
		pool := make([]*truce.Statement, 0, killAfter+100)
		for i := range cap(pool) {
			st, _ := keyAdd(t, g, members[i%len(members)])
			if i%4 == 1 {
				// A sealed statement: its envelope goes to the vault, and
				// its commitment to the log.
				st = sign(t, members[0], truce.KindBulletin, t0, truce.Bulletin{Title: fmt.Sprintf("Round %d, bulletin %d", round, i), Text: "Repair crews at the substation."})
			}
			pool = append(pool, st)
		}
		t.Logf("round %d: kill after %d acknowledged statements", round, killAfter)

		srv := startServer(t, bin, dir)
		res := submitUntilKilled(t, srv, pool, killAfter)
		if !res.killed {
			t.Fatalf("round %d: only %d of %d statements acknowledged; the server was never killed\n%s", round, len(res.acked), len(pool), srv.stderr())
		}
		if err := srv.wait(); err == nil {
			t.Fatalf("round %d: the killed server exited cleanly", round)
		}
		for _, a := range res.acked {
			acked[a.receipt.ID] = a
		}
		t.Logf("round %d: %d acknowledged, %d in flight at the kill", round, len(res.acked), len(res.unacked))

		srv = startServer(t, bin, dir)
		c := newClient(t, srv.url)
		mc := memberClient(t, c, members[2])
		checkAcked(t, mc, dep.VerifierKey, acked)
		checkConsistentWithReceipts(t, bin, srv.url, filepath.Join(work, fmt.Sprintf("verify-%d.json", round)), dep.VerifierKey, res.acked)

		// What was in flight at the kill went in, or not, whole: submitted
		// again it is logged once.
		outcomes := map[int]int{}
		for _, st := range res.unacked {
			a, status, retries := resubmit(t, c, st)
			acked[a.receipt.ID] = a
			outcomes[status]++
			outcomes[http.StatusServiceUnavailable] += retries
		}
		t.Logf("round %d: in flight at the kill, submitted again: %d logged before (200), %d logged now (201), %d retries after 503",
			round, outcomes[http.StatusOK], outcomes[http.StatusCreated], outcomes[http.StatusServiceUnavailable])
		list, _ := c.allStatements(1000)
		seen := map[string]bool{}
		for _, s := range list {
			if seen[s.ID] {
				t.Errorf("round %d: statement %s is in the log twice", round, s.ID)
			}
			seen[s.ID] = true
		}
		checkAcked(t, mc, dep.VerifierKey, acked)
		statementsBefore, membersBefore := projection(mc)
		if err := srv.stop(); err != nil {
			t.Fatalf("round %d: stop server: %v\n%s", round, err, srv.stderr())
		}

		out := runTruce(t, bin, "rebuild", "--dir", dir)
		if want := fmt.Sprintf("Replayed %d log entries", len(list)); !strings.Contains(out, want) {
			t.Errorf("round %d: rebuild says %q, want %q", round, out, want)
		}
		srv = startServer(t, bin, dir)
		statementsAfter, membersAfter := projection(memberClient(t, newClient(t, srv.url), members[2]))
		if statementsAfter != statementsBefore {
			t.Errorf("round %d: statements after rebuild differ from the projection kept across the crash", round)
		}
		if membersAfter != membersBefore {
			t.Errorf("round %d: members after rebuild:\n%s\nbefore:\n%s", round, membersAfter, membersBefore)
		}
		if err := srv.stop(); err != nil {
			t.Fatalf("round %d: stop server: %v\n%s", round, err, srv.stderr())
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}

// memberClient returns a client of c's server that reads as s, with a
// token for the real clock, which "truce serve" runs on.
func memberClient(t *testing.T, c *client, s *truce.Signer) *client {
	t.Helper()
	tok, err := truce.NewToken(s, s.Log, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: c.t, base: c.base, http: c.http, token: tok}
}

// ack is an acknowledged statement and its receipt.
type ack struct {
	raw     []byte
	receipt receipt
}

// buildTruce builds the truce binary into a temporary directory.
func buildTruce(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build truce with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "truce")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runTruce runs the binary to completion and returns its standard output.
func runTruce(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("truce %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// server is a "truce serve" child process.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when stderr is drained

	mu  sync.Mutex
	log bytes.Buffer
}

var servingLine = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// startServer starts "truce serve" on a free loopback port and returns
// once its log says it is serving.
func startServer(t *testing.T, bin, dir string) *server {
	t.Helper()
	s := &server{done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--dir", dir, "--addr", "127.0.0.1:0")
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.wait()
	})
	urls := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.Write(sc.Bytes())
			s.log.WriteByte('\n')
			s.mu.Unlock()
			if m := servingLine.FindSubmatch(sc.Bytes()); m != nil {
				select {
				case urls <- string(m[1]):
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case s.url = <-urls:
		return s
	case <-s.done:
		t.Fatalf("truce serve exited before serving:\n%s", s.stderr())
	case <-time.After(60 * time.Second):
		t.Fatalf("truce serve did not say it was serving within a minute:\n%s", s.stderr())
	}
	return nil
}

func (s *server) stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// wait waits for the process to end and its output to be read.
func (s *server) wait() error {
	<-s.done
	return s.cmd.Wait()
}

// stop asks the server to shut down as Ctrl-C would, and waits.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	return s.wait()
}

type crashResult struct {
	killed  bool
	acked   []ack
	unacked []*truce.Statement // submitted, with no answer by the kill
}

// submitUntilKilled submits the pool from 16 goroutines and kills the
// server with SIGKILL as soon as killAfter statements are acknowledged,
// while the others are in flight.
func submitUntilKilled(t *testing.T, srv *server, pool []*truce.Statement, killAfter int) crashResult {
	t.Helper()
	hc := &http.Client{Timeout: 30 * time.Second}
	var (
		mu       sync.Mutex
		res      crashResult
		inflight = map[string]*truce.Statement{}
		failures []string
	)
	jobs := make(chan *truce.Statement)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for st := range jobs {
				mu.Lock()
				if res.killed {
					mu.Unlock()
					continue
				}
				inflight[st.ID] = st
				mu.Unlock()
				status, body, err := post(hc, srv.url+"/v1/statements", st.Raw)
				mu.Lock()
				switch {
				case err != nil && res.killed:
				case err != nil:
					failures = append(failures, fmt.Sprintf("%s: %v", st.ID, err))
				case status == http.StatusCreated:
					var r receipt
					if err := json.Unmarshal(body, &r); err != nil {
						failures = append(failures, fmt.Sprintf("%s: receipt: %v", st.ID, err))
						break
					}
					delete(inflight, st.ID)
					res.acked = append(res.acked, ack{raw: st.Raw, receipt: r})
					if len(res.acked) == killAfter {
						res.killed = true
						srv.cmd.Process.Kill()
					}
				default:
					failures = append(failures, fmt.Sprintf("%s: status %d: %s", st.ID, status, body))
				}
				mu.Unlock()
			}
		})
	}
	for _, st := range pool {
		jobs <- st
	}
	close(jobs)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("submissions failed before the kill:\n%s\nserver log:\n%s", strings.Join(failures, "\n"), srv.stderr())
	}
	for _, st := range pool {
		if inflight[st.ID] != nil {
			res.unacked = append(res.unacked, st)
		}
	}
	return res
}

// post sends body and reads the whole answer.
func post(hc *http.Client, url string, body []byte) (int, []byte, error) {
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// checkAcked checks that every acknowledged statement is in the projection
// at the index its receipt gave, with its envelope as submitted, and that
// the latest checkpoint includes it.
func checkAcked(t *testing.T, c *client, vkey string, acked map[string]ack) {
	t.Helper()
	for id, a := range acked {
		verifyReceipt(t, vkey, a.receipt, a.raw)
		var v statementView
		c.getJSON("/v1/statements/"+id, &v)
		if v.Index != a.receipt.Index || v.Status != "accepted" || !bytes.Equal(v.Envelope, a.raw) {
			t.Errorf("statement %s: index %d, status %s, envelope equal %v; receipt said index %d", id, v.Index, v.Status, bytes.Equal(v.Envelope, a.raw), a.receipt.Index)
		}
		var r receipt
		c.getJSON("/v1/receipts/"+id, &r)
		if r.Index != a.receipt.Index || r.TreeSize < a.receipt.TreeSize {
			t.Errorf("statement %s: receipt now at %d in %d, before at %d in %d", id, r.Index, r.TreeSize, a.receipt.Index, a.receipt.TreeSize)
		}
		verifyReceipt(t, vkey, r, a.raw)
	}
}

// checkConsistentWithReceipts runs "truce verify" as a client that last saw
// the largest checkpoint handed out in a receipt before the kill: the log
// after the restart must extend that tree and include the statement.
func checkConsistentWithReceipts(t *testing.T, bin, url, stateFile, vkey string, acked []ack) {
	t.Helper()
	last := acked[0].receipt
	for _, a := range acked {
		if a.receipt.TreeSize > last.TreeSize {
			last = a.receipt
		}
	}
	if err := writeVerifyState(stateFile, &verifyState{VerifierKey: vkey, Checkpoint: last.Checkpoint}); err != nil {
		t.Fatal(err)
	}
	out := runTruce(t, bin, "verify", "--server", url, "--state", stateFile, "--statement", last.ID)
	if !strings.Contains(out, "statement "+last.ID+" included in the log") {
		t.Errorf("truce verify: %s", out)
	}
}

// resubmit submits a statement that was in flight at the kill. The log
// may hold it beyond its latest checkpoint until the restarted server
// publishes one, which the server answers with 503 and Retry-After; the
// retries are bounded.
func resubmit(t *testing.T, c *client, st *truce.Statement) (a ack, status, retries int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ; ; retries++ {
		resp, data := c.do(http.MethodPost, "/v1/statements", st.Raw)
		switch resp.StatusCode {
		case http.StatusOK, http.StatusCreated:
			var r receipt
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatalf("resubmit %s: %v", st.ID, err)
			}
			return ack{raw: st.Raw, receipt: r}, resp.StatusCode, retries
		case http.StatusServiceUnavailable:
			select {
			case <-ctx.Done():
				t.Fatalf("resubmit %s: still unavailable: %s", st.ID, data)
			case <-time.After(50 * time.Millisecond):
			}
		default:
			t.Fatalf("resubmit %s: %s: %s", st.ID, resp.Status, data)
		}
	}
}

// projection returns every page of the statements and the members, as the
// server sends them.
func projection(c *client) (string, string) {
	_, pages := c.allStatements(50)
	return string(bytes.Join(pages, []byte("\n"))), string(c.get("/v1/members"))
}
