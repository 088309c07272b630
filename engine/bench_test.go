package engine_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/geo"
)

// The benchmark's scale: sites spread over lon 22..60, lat 44..60, and
// the incidents the engine holds before the timed reports.
const (
	benchSites     = 1000000
	benchIncidents = 100000
)

// benchFixture is an engine with benchSites sites and benchIncidents
// incidents, built once for every benchmark of the package.
type benchFixture struct {
	e     *engine.Engine
	rng   *rand.Rand
	next  int           // the number of the next report
	where [][2]float64  // lat, lon of every report so far
	when  []time.Time   // start of every report so far
	setup time.Duration // how long building the fixture took
	err   error         // from building it
	mu    sync.Mutex    // held by a benchmark while it uses the fixture
}

var (
	benchOnce sync.Once
	bench     *benchFixture
)

func benchSetup(b *testing.B) *benchFixture {
	benchOnce.Do(func() { bench = newBenchFixture(b) })
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench
}

func newBenchFixture(b *testing.B) *benchFixture {
	began := time.Now()
	f := &benchFixture{rng: rand.New(rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'}))}
	d := newMoratorium(b) // the demo terms; the sites come from here
	cats := []truce.Category{
		"energy.generation.nuclear", "energy.generation.hydro", "energy.generation.thermal", "energy.generation.solar",
		"energy.transmission.substation", "energy.oil.refinery", "energy.gas.storage", "health.hospital", "maritime.port",
	}
	since := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	states := make([]truce.SiteState, benchSites)
	items := make([]geo.Item[string], benchSites)
	for i := range states {
		id := "site-" + strconv.Itoa(i)
		states[i] = truce.SiteState{
			Site: truce.Site{
				ID: id, Name: id, Category: cats[f.rng.IntN(len(cats))], Controller: "ua",
				Geometry: truce.NewPoint(22+38*f.rng.Float64(), 44+16*f.rng.Float64()),
			},
			Status: truce.SiteDeclared, Since: since,
		}
		items[i] = geo.SiteItem(&states[i])
	}
	sites := geo.NewIndex[string]()
	if f.err = sites.Build(items); f.err != nil {
		return f
	}
	f.e = engine.New(d.state.Terms, truce.RestoreRegistry(states), sites)
	for f.e.Len() < benchIncidents {
		if _, f.err = f.e.Apply(f.report()); f.err != nil {
			return f
		}
	}
	f.setup = time.Since(began)
	return f
}

// report returns the next report, and its log index: four in five at a random place and
// time in the moratorium, one in five near an earlier report, so that it
// joins its incident.
func (f *benchFixture) report() (*truce.Statement, uint64) {
	rng := f.rng
	var lat, lon float64
	var start time.Time
	if n := len(f.where); n > 0 && rng.IntN(5) == 0 {
		k := rng.IntN(n)
		lat, lon = north(f.where[k][0], 500), f.where[k][1]
		start = f.when[k].Add(time.Hour)
	} else {
		lat, lon = 44+16*rng.Float64(), 22+38*rng.Float64()
		start = time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(29 * 24 * time.Hour))))
	}
	acts := []truce.Act{truce.ActDroneStrike, truce.ActMissileStrike, truce.ActShelling}
	r := newReport(lat, lon, 2000*rng.Float64(), start, acts[rng.IntN(len(acts))], "ru")
	r.SourceKind = truce.SourceParty
	f.where, f.when = append(f.where, [2]float64{lat, lon}), append(f.when, start)
	f.next++
	return &truce.Statement{
		ID:      fmt.Sprintf("%064x", f.next),
		Payload: truce.Payload{Kind: truce.KindReport, Log: origin, Signer: "ua", Time: r.When.End},
		Body:    r,
	}, uint64(f.next)
}

// BenchmarkApplyReport applies one report to an engine holding 100,000
// incidents and reading 1,000,000 sites: grouping, assessment and the
// digest's bookkeeping, per report. The "+digest" case also brings the
// digest up to date after each report. The incidents the benchmark adds
// stay for the next run. Besides the wall clock's ns/op it reports
// cpu-ns/op, the CPU time of the benchmark's thread (on Linux), which a
// busy machine does not inflate; the garbage collector's own workers are
// not in it.
//
//	go test -run '^$' -bench ApplyReport -benchtime 20000x ./engine/
func BenchmarkApplyReport(b *testing.B) {
	for _, withDigest := range []bool{false, true} {
		name := "apply"
		if withDigest {
			name = "apply+digest"
		}
		b.Run(name, func(b *testing.B) {
			f := benchSetup(b)
			f.mu.Lock()
			defer f.mu.Unlock()
			b.Logf("fixture: %d sites, %d incidents, built in %v; the engine now holds %d incidents", benchSites, benchIncidents, f.setup.Round(time.Millisecond), f.e.Len())
			sts, indices := make([]*truce.Statement, b.N), make([]uint64, b.N)
			for i := range sts {
				sts[i], indices[i] = f.report()
			}
			f.e.Digest()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := threadCPU()
			for i, st := range sts {
				if _, err := f.e.Apply(st, indices[i]); err != nil {
					b.Fatal(err)
				}
				if withDigest {
					f.e.Digest()
				}
			}
			if cpu != 0 {
				b.ReportMetric(float64((threadCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
