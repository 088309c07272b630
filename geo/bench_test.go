package geo

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/truce-project/truce"
)

// The benchmarks index a million sites over Ukraine and western Russia,
// clustered around real towns when the GeoNames extract is at hand
// (GeoNames, CC BY 4.0) and around synthetic ones when it is not.
const (
	benchSites  = 1_000_000
	benchCities = "/work/shared/data/geonames_cities1000_ua_ru.csv"
)

var benchRegion = region{west: 22, south: 44, east: 60, north: 60}

type benchData struct {
	items   []Item[int]
	queries []truce.Position
	centres string
}

var benchSet = sync.OnceValue(func() *benchData {
	centres, from := readCentres(benchCities, benchRegion), "GeoNames towns"
	if len(centres) == 0 {
		from = "synthetic towns"
	}
	g := newGenerator(42, benchRegion, centres)
	d := &benchData{items: g.items(benchSites), centres: from}
	d.queries = make([]truce.Position, 4096)
	for i := range d.queries {
		d.queries[i] = g.place()
	}
	return d
})

// readCentres returns the positions of the towns in a GeoNames extract
// (columns country, name, latitude, longitude, ...) that lie in r, or
// none if the file cannot be read.
func readCentres(path string, r region) []truce.Position {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil
	}
	var out []truce.Position
	for _, row := range rows[1:] {
		lat, err1 := strconv.ParseFloat(row[2], 64)
		lon, err2 := strconv.ParseFloat(row[3], 64)
		if err1 == nil && err2 == nil && lon >= r.west && lon <= r.east && lat >= r.south && lat <= r.north {
			out = append(out, truce.Position{lon, lat})
		}
	}
	return out
}

// benchIndex returns the index of the benchmark sites with the given band
// size, built once.
var benchIndex = func() func(band float64) *Index[int] {
	var mu sync.Mutex
	built := map[float64]*Index[int]{}
	return func(band float64) *Index[int] {
		mu.Lock()
		defer mu.Unlock()
		if x := built[band]; x != nil {
			return x
		}
		x := newIndex[int](band)
		if err := x.Build(benchSet().items); err != nil {
			panic(err)
		}
		built[band] = x
		return x
	}
}()

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkIndexBuild builds the index of a million sites, and reports
// the memory the index holds per site: its own copy of every line and
// polygon included, the input items not.
func BenchmarkIndexBuild(b *testing.B) {
	d := benchSet()
	b.Logf("%d sites clustered around %s", len(d.items), d.centres)
	b.ReportAllocs()
	var bytes float64
	for b.Loop() {
		b.StopTimer()
		before := heapInUse()
		b.StartTimer()
		x := NewIndex[int]()
		if err := x.Build(d.items); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		bytes = float64(heapInUse() - before)
		runtime.KeepAlive(x)
		b.StartTimer()
	}
	b.ReportMetric(bytes/float64(len(d.items)), "B/site")
}

func benchNear(b *testing.B, x *Index[int], metres float64, f Filter) {
	d := benchSet()
	hits, i := 0, 0
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		hits += len(x.Near(d.queries[i%len(d.queries)], metres, f))
		i++
	}
	cpu.report(b, i)
	b.ReportMetric(float64(hits)/float64(i), "hits/op")
}

// cpuClock measures the CPU time of the benchmark's thread, which it
// locks to the goroutine until report.
type cpuClock time.Duration

func startCPU() cpuClock {
	runtime.LockOSThread()
	return cpuClock(threadCPU())
}

// report reports the CPU time per operation as cpu-ns/op, where the
// system tells it.
func (c cpuClock) report(b *testing.B, n int) {
	used := threadCPU() - time.Duration(c)
	runtime.UnlockOSThread()
	if c != 0 && n > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

// BenchmarkNear2km asks for the sites within 2 km of points near towns.
func BenchmarkNear2km(b *testing.B) {
	benchNear(b, benchIndex(pointBand), 2000, Filter{})
}

// BenchmarkNear2kmFiltered adds a category and a time to the query.
func BenchmarkNear2kmFiltered(b *testing.B) {
	at := newGenerator(1, benchRegion, nil).epoch.AddDate(0, 6, 0)
	benchNear(b, benchIndex(pointBand), 2000, Filter{Categories: []truce.Category{"energy"}, At: at})
}

// BenchmarkNear50km asks for the sites within 50 km, a wide buffer.
func BenchmarkNear50km(b *testing.B) {
	benchNear(b, benchIndex(pointBand), 50e3, Filter{})
}

// BenchmarkNear2kmBand measures 2 km queries for several band heights, to
// tune pointBand: go test -bench Near2kmBand -run '^$' ./geo/
func BenchmarkNear2kmBand(b *testing.B) {
	for _, band := range []float64{0.0025, 0.005, 0.01, 0.02, 0.04, 0.08} {
		b.Run(fmt.Sprintf("band=%g", band), func(b *testing.B) {
			benchNear(b, benchIndex(band), 2000, Filter{})
		})
	}
}

// BenchmarkUpdate moves a site of the index of a million to another
// place and back: two calls of Update, as two site.declare statements.
func BenchmarkUpdate(b *testing.B) {
	x, d := benchIndex(pointBand), benchSet()
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		it := d.items[(i*7919)%len(d.items)]
		moved := it
		q := d.queries[i%len(d.queries)]
		moved.Geometry = truce.NewPoint(q[0], q[1])
		if err := x.Update(moved); err != nil {
			b.Fatal(err)
		}
		if err := x.Update(it); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu.report(b, i)
}

// BenchmarkInBox asks for the sites in boxes of about 10 by 10 km near
// towns, as a map would.
func BenchmarkInBox(b *testing.B) {
	x, d := benchIndex(pointBand), benchSet()
	hits, i := 0, 0
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		p := d.queries[i%len(d.queries)]
		hits += len(x.InBox(p[0]-0.07, p[1]-0.045, p[0]+0.07, p[1]+0.045, Filter{}))
		i++
	}
	cpu.report(b, i)
	b.ReportMetric(float64(hits)/float64(i), "hits/op")
}

// flatSite is a site of the brute-force baseline.
type flatSite struct {
	box   orb.Bound
	shape orb.Geometry // nil for a point
	id    int
}

var benchFlat = sync.OnceValue(func() []flatSite {
	items := benchSet().items
	out := make([]flatSite, len(items))
	for i, it := range items {
		g := FromGeometry(it.Geometry)
		out[i] = flatSite{box: g.Bound(), id: it.ID}
		if _, ok := g.(orb.Point); !ok {
			out[i].shape = g
		}
	}
	return out
})

// BenchmarkBruteForce2km is the baseline: a scan of a flat slice of the
// same sites in memory, which measures only those whose bounding box
// meets the query's.
func BenchmarkBruteForce2km(b *testing.B) {
	sites, d := benchFlat(), benchSet()
	hits, i := 0, 0
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		p := d.queries[i%len(d.queries)]
		m := newMeasure(p)
		q := m.box(2000)
		var found []Hit[int]
		for j := range sites {
			s := &sites[j]
			if !q.Intersects(s.box) {
				continue
			}
			dist := math.Inf(1)
			if s.shape == nil {
				dist = m.to(s.box.Min[0], s.box.Min[1])
			} else {
				dist = m.distance(s.shape)
			}
			if dist <= 2000 {
				found = append(found, Hit[int]{s.id, dist})
			}
		}
		hits += len(found)
		i++
	}
	cpu.report(b, i)
	b.ReportMetric(float64(hits)/float64(i), "hits/op")
}
