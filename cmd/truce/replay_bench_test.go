package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/service"
	"github.com/truce-project/truce/sqlite"
	"github.com/truce-project/truce/tlog"
)

// The replay and query benchmarks work on the demo deployment with many
// generated reports appended to its log. Run them with
//
//	go test -run '^$' -bench 'Replay|IncidentQuery' -benchtime 1x ./cmd/truce/
//	TRUCE_BENCH_REPORTS=1000000 go test -run '^$' -bench Replay -benchtime 1x -timeout 0 ./cmd/truce/
//
// These variables control them:
//
//   - TRUCE_BENCH_REPORTS: how many reports to generate. Default 20,000,
//     which takes well under a minute; the goals are set for 1,000,000,
//     which takes some 8 to 10 minutes per benchmark on two cores (pass
//     -timeout 0).
//   - TRUCE_BENCH_QUERIES: how many queries BenchmarkIncidentQuery sends
//     per iteration. Default 20,000.
//   - TRUCE_BENCH_DIR: a directory in which to keep the generated
//     deployments, one per benchmark and size, so that a second run skips
//     generating them (and BenchmarkIncidentQuery, replaying them). Remove
//     it after changing the generator. Optional; by default each run makes
//     its own in a temporary directory.

const (
	benchReportsEnv = "TRUCE_BENCH_REPORTS"
	benchQueriesEnv = "TRUCE_BENCH_QUERIES"
	benchDirEnv     = "TRUCE_BENCH_DIR"
)

// The demo moratorium's window, over which the reports are spread.
var (
	benchWindowStart = time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
	benchWindowEnd   = time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC)
)

// benchEnvInt returns the positive integer in the environment variable
// name, or def if it is unset.
func benchEnvInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// reportPlace chooses the point and start time of report i of n.
type reportPlace func(r *rand.Rand, i int) (lon, lat float64, start time.Time)

// uniformPlace puts a report anywhere over Ukraine at any minute of the
// window: of a million reports, about a third join another's incident.
func uniformPlace(r *rand.Rand, i int) (float64, float64, time.Time) {
	lon := 22 + r.Float64()*18
	lat := 44.5 + r.Float64()*7.8
	start := benchWindowStart.Add(time.Duration(r.Int64N(int64(benchWindowEnd.Sub(benchWindowStart)))))
	return lon, lat, start.Truncate(time.Minute)
}

// benchReportDeployment returns the directory of a demo deployment whose
// log holds n generated reports after the demo's statements, placed by
// place. With TRUCE_BENCH_DIR set it keeps the deployment there under
// name and n, and reuses one a previous run completed.
func benchReportDeployment(b *testing.B, name string, n int, place reportPlace) string {
	b.Helper()
	root := os.Getenv(benchDirEnv)
	if root == "" {
		dir := filepath.Join(b.TempDir(), "demo")
		makeReportDeployment(b, dir, n, place)
		return dir
	}
	dir := filepath.Join(root, fmt.Sprintf("%s-%d", name, n))
	done := filepath.Join(dir, "bench-complete")
	if _, err := os.Stat(done); err == nil {
		b.Logf("reusing %s", dir)
		return dir
	} else if !errors.Is(err, fs.ErrNotExist) {
		b.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	makeReportDeployment(b, dir, n, place)
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// makeReportDeployment creates the demo deployment in dir and appends n
// reports by ua, ru and the monitor.
func makeReportDeployment(b *testing.B, dir string, n int, place reportPlace) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Now: time.Now}
	d, err := m.initDeployment(ctx, initOptions{dir: dir, name: demoName, members: cloneMembers(demoMembers), demo: true})
	if err != nil {
		b.Fatal(err)
	}
	signers := map[string]*truce.Signer{}
	for _, id := range []string{"ua", "ru", "monitor"} {
		if signers[id], err = truce.ReadSignerFile(filepath.Join(dir, "keys", id+".key")); err != nil {
			b.Fatal(err)
		}
	}
	initialized := time.Now()
	reports := genBenchReports(n, place)
	raws := signBenchReports(b, reports, signers, d.Origin)
	signed := time.Now()
	l, err := openLog(ctx, d, nil)
	if err != nil {
		b.Fatal(err)
	}
	vault, err := d.openVault()
	if err != nil {
		b.Fatal(err)
	}
	// Reports are sealed, as the service seals them: the envelopes go to
	// the vault, their commitments to the log.
	const chunk = 10000
	for i := 0; i < len(raws); i += chunk {
		envs := raws[i:min(i+chunk, len(raws))]
		leaves := make([][]byte, len(envs))
		for j, env := range envs {
			leaves[j] = truce.Commitment(truce.KindReport, truce.StatementID(env))
		}
		if err := vault.Put(ctx, envs...); err != nil {
			b.Fatal(err)
		}
		if _, _, err := l.AppendAll(ctx, leaves); err != nil {
			l.Close(ctx)
			b.Fatalf("append reports %d to %d: %v", i, min(i+chunk, len(raws)), err)
		}
	}
	if err := errors.Join(l.Close(ctx), vault.Close()); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %s: init %v, generate and sign %d reports %v, append %v", dir,
		initialized.Sub(start).Round(time.Millisecond), n, signed.Sub(initialized).Round(time.Millisecond),
		time.Since(signed).Round(time.Millisecond))
}

// benchReport is a generated report and who signs it when.
type benchReport struct {
	by     string
	at     time.Time
	report truce.Report
}

// genBenchReports returns n reports from a seeded stream: a third each by
// ua, ru and the monitor, with a radius of 100 m to 5 km, an act among
// four, and mostly the other party accused.
func genBenchReports(n int, place reportPlace) []benchReport {
	r := rand.New(rand.NewChaCha8([32]byte{'r', 'e', 'p', 'l', 'a', 'y'}))
	acts := []truce.Act{truce.ActDroneStrike, truce.ActMissileStrike, truce.ActShelling, truce.ActOther}
	damage := []string{"none", "minor", "moderate", "severe", "destroyed", "unknown"}
	out := make([]benchReport, n)
	for i := range out {
		by := []string{"ua", "ru", "monitor"}[r.IntN(3)]
		lon, lat, start := place(r, i)
		rep := truce.Report{
			ClientRef:  fmt.Sprintf("bench-%d", i),
			When:       truce.When{Start: start, End: start, Precision: "minute"},
			Where:      truce.Where{Lat: round6(lat), Lon: round6(lon), RadiusMetres: float64(100 + r.IntN(4901)), Precision: "exact"},
			Act:        acts[r.IntN(len(acts))],
			Target:     truce.Target{Text: "energy infrastructure"},
			Damage:     truce.Damage{Level: damage[r.IntN(len(damage))]},
			Casualties: truce.Casualties{Precision: "unknown"},
			SourceKind: truce.SourceParty,
			Text:       fmt.Sprintf("Generated report %d.", i),
		}
		if r.IntN(2) == 0 {
			rep.When.End, rep.When.Precision = start.Add(time.Hour), "hour"
		}
		if rep.Where.RadiusMetres > 1000 {
			rep.Where.Precision = "near"
		}
		switch by {
		case "ua":
			if r.IntN(5) > 0 {
				rep.Accused = []string{"ru"}
			}
		case "ru":
			if r.IntN(5) > 0 {
				rep.Accused = []string{"ua"}
			}
		case "monitor":
			rep.SourceKind = truce.SourceMonitor
			if r.IntN(2) == 0 {
				rep.Accused = []string{[]string{"ua", "ru"}[r.IntN(2)]}
			}
		}
		at := rep.When.End.Add(time.Duration(5+r.IntN(180)) * time.Minute)
		out[i] = benchReport{by: by, at: at, report: rep}
	}
	return out
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// signBenchReports signs the reports on every core and returns their
// envelopes in order.
func signBenchReports(b *testing.B, reports []benchReport, signers map[string]*truce.Signer, origin string) [][]byte {
	b.Helper()
	raws := make([][]byte, len(reports))
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(reports); i += workers {
				rep := &reports[i]
				st, err := truce.Sign(signers[rep.by], origin, truce.KindReport, rep.at, &rep.report)
				if err != nil {
					errs[w] = fmt.Errorf("report %d: %w", i, err)
					return
				}
				raws[i] = st.Raw
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	return raws
}

// BenchmarkReplay measures "truce rebuild": the replay of the whole log of
// a deployment with TRUCE_BENCH_REPORTS reports into a fresh SQLite
// projection, computing the engine's digest every 1000 entries as the
// state roots need. Beside it, in the same run, it measures the ceiling:
// checking the ed25519 signature of every entry on every core, which the
// replay must do as well. The generated log holds no state.root
// statements (nothing was served live), so the projector computes the
// digests but has none to compare them with.
func BenchmarkReplay(b *testing.B) {
	ctx := context.Background()
	n := benchEnvInt(b, benchReportsEnv, 20000)
	dir := benchReportDeployment(b, "replay", n, uniformPlace)
	d, err := loadDeployment(dir)
	if err != nil {
		b.Fatal(err)
	}
	l, err := openLog(ctx, d, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(ctx)
	size, err := l.IntegratedSize(ctx)
	if err != nil {
		b.Fatal(err)
	}
	vault, err := d.openVault()
	if err != nil {
		b.Fatal(err)
	}
	defer vault.Close()
	verify, sample := verifyCeiling(b, l, vault, dir, size)
	tuneGC(os.Getenv) // as truce rebuild does
	runtime.GC()

	b.ResetTimer()
	var root truce.StateRoot
	for range b.N {
		b.StopTimer()
		store, err := sqlite.Open(filepath.Join(b.TempDir(), "truce.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		svc, err := service.Open(ctx, service.Config{Log: l, Store: store, Vault: vault})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		root, err = svc.Digest()
		if err != nil {
			b.Fatal(err)
		}
		svc.Close()
		checkAccepted(b, store, sample)
		store.Close()
	}
	replay := b.Elapsed().Seconds() / float64(b.N)
	if root.Size != size {
		b.Fatalf("replay covers %d entries, want %d", root.Size, size)
	}
	b.ReportMetric(float64(size)/replay, "stmts/s")
	b.ReportMetric(replay, "replay-s")
	b.ReportMetric(verify, "verify-s")
	b.ReportMetric(replay/verify, "replay/verify")
	b.ReportMetric(float64(root.Incidents), "incidents")
}

// verifyCeiling reads the log's size entries and measures checking their
// signatures with the members' keys on every core. It returns the
// seconds that took and the ids of a sample of the entries.
func verifyCeiling(b *testing.B, l *tlog.Log, vault truce.Vault, dir string, size uint64) (float64, []string) {
	b.Helper()
	keys := map[string]ed25519.PublicKey{}
	files, err := filepath.Glob(filepath.Join(dir, "keys", "*.key"))
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range files {
		s, err := truce.ReadSignerFile(f)
		if err != nil {
			b.Fatal(err)
		}
		keys[s.ID()] = s.Public()
	}
	type job struct {
		env *truce.Envelope
		pub ed25519.PublicKey
	}
	jobs := make([]job, 0, size)
	var sample []string
	stride := max(size/200, 1)
	const chunk = 10000
	for from := uint64(0); from < size; from += chunk {
		raws, err := l.Entries(context.Background(), from, min(from+chunk, size))
		if err != nil {
			b.Fatal(err)
		}
		for i, raw := range raws {
			if _, id, ok := truce.ParseCommitment(raw); ok {
				if raw, err = vault.Get(context.Background(), id); err != nil {
					b.Fatalf("entry %d: %v", from+uint64(i), err)
				}
			}
			env, err := truce.DecodeEnvelope(raw)
			if err != nil {
				b.Fatalf("entry %d: %v", from+uint64(i), err)
			}
			pub := keys[env.Signatures[0].KeyID]
			if pub == nil {
				b.Fatalf("entry %d: signed with key %s, not a member's", from+uint64(i), env.Signatures[0].KeyID)
			}
			jobs = append(jobs, job{env, pub})
			if (from+uint64(i))%stride == 0 || from+uint64(i) == size-1 {
				sample = append(sample, truce.StatementID(raw))
			}
		}
	}
	start := time.Now()
	workers := runtime.GOMAXPROCS(0)
	var bad atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(jobs); i += workers {
				if !jobs[i].env.VerifySignature(jobs[i].env.Signatures[0], jobs[i].pub) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start).Seconds()
	if n := bad.Load(); n > 0 {
		b.Fatalf("%d of %d signatures do not verify", n, len(jobs))
	}
	return took, sample
}

// checkAccepted fails the benchmark unless the projection accepted every
// statement of the sample.
func checkAccepted(b *testing.B, store truce.Store, ids []string) {
	b.Helper()
	for _, id := range ids {
		rec, err := store.Statement(context.Background(), id)
		if err != nil {
			b.Fatalf("statement %s: %v", id, err)
		}
		if rec.Status != truce.StatusAccepted {
			b.Fatalf("statement %d (%s) was %s: %s", rec.Index, rec.Kind, rec.Status, rec.Reason)
		}
	}
}
