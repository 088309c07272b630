package main

import (
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// BenchmarkWitnessedSubmit measures the time from submitting a statement
// to its receipt, whose checkpoint carries the cosignatures of a quorum of
// 2 of the 3 witnesses, run in the test process on loopback; and, for
// comparison, the same with no witnesses reachable. One client submits
// key.add statements one after another. Run it with
//
//	go test -run '^$' -bench WitnessedSubmit -benchtime 300x ./cmd/truce/
func BenchmarkWitnessedSubmit(b *testing.B) {
	for _, c := range []struct {
		name      string
		witnesses bool
	}{{"witnesses=2of3", true}, {"witnesses=none", false}} {
		b.Run(c.name, func(b *testing.B) {
			dep := initWitnessed(b, 2)
			urls := map[string]string{}
			if c.witnesses {
				urls = witnessURLs(startTestWitnesses(b, dep.Dir))
			}
			d := openWitnessedDaemon(b, dep.Dir, urls)
			cl := newClient(b, d.URL())
			g := newKeyGen(9)
			monitor := dep.signer(b, "monitor")
			sts := make([]*truce.Statement, b.N)
			for i := range sts {
				sts[i], _ = keyAdd(b, g, monitor)
			}
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				resp, data := cl.do(http.MethodPost, "/v1/statements", sts[i].Raw)
				lat[i] = time.Since(t0)
				if resp.StatusCode != http.StatusCreated {
					b.Fatalf("submit: %s: %s", resp.Status, data)
				}
			}
			b.StopTimer()
			if c.witnesses {
				var v truce.WitnessView
				cl.getJSON("/v1/witnesses", &v)
				if !v.Witnessing.QuorumMet {
					b.Fatalf("the last checkpoint misses the quorum: %+v", v.Witnessing)
				}
			}
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}

// BenchmarkMirrorCatchUp measures a new mirror catching up with a log of
// the demo deployment plus TRUCE_BENCH_REPORTS generated reports (default
// 20,000; see replay_bench_test.go), sealed as a deployment seals them:
// the log holds commitments, the envelopes are in the vault. The server
// runs in the test process on loopback; the mirror reads as the monitor.
// Timed: reading every entry bundle and checking it against the tree,
// fetching the envelope of every sealed entry from the server's list of
// statements and keeping it in the mirror's vault, and replaying all of it
// into the mirror's own SQLite projection. Not timed: making the
// deployment and the server's own replay of it when it starts. Run it with
//
//	TRUCE_BENCH_REPORTS=100000 go test -run '^$' -bench MirrorCatchUp -benchtime 1x -timeout 0 ./cmd/truce/
func BenchmarkMirrorCatchUp(b *testing.B) {
	n := benchEnvInt(b, benchReportsEnv, 20000)
	dir := benchReportDeployment(b, "sealed", n, uniformPlace)
	dep, err := loadDeployment(dir)
	if err != nil {
		b.Fatal(err)
	}
	monitor, err := truce.ReadSignerFile(dep.path(filepath.Join("keys", "monitor.key")))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0"}
	if err := d.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	b.Logf("the server opened in %v", time.Since(start).Round(time.Millisecond))
	var size uint64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		mi := &Mirror{Server: d.URL(), Dir: b.TempDir(), VerifierKey: dep.VerifierKey, Signer: monitor}
		b.StartTimer()
		if err := mi.Open(b.Context()); err != nil {
			b.Fatal(err)
		}
		if err := mi.Sync(b.Context()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		size = mi.Size()
		mi.Close()
	}
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(size)/secs, "entries/s")
	b.ReportMetric(secs, "catchup-s")
}
