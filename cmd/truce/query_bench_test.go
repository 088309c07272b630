package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// queryClients is how many clients query at once.
const queryClients = 64

// gridPlace spreads n reports so that each becomes an incident of its own:
// over a grid of cells 0.09° by 0.06° (5 km or more apart, with a little
// jitter), and in each cell one report per slot of the window, the slots
// far enough apart that no two reports of a cell are within the 6-hour
// corroboration window.
func gridPlace(b *testing.B, n int) reportPlace {
	b.Helper()
	const (
		lonStep, latStep     = 0.09, 0.06
		lonJitter, latJitter = 0.003, 0.005
	)
	cols, rows := int(18/lonStep), int(7.8/latStep)
	cells := cols * rows
	slots := (n + cells - 1) / cells
	slot := benchWindowEnd.Sub(benchWindowStart) / time.Duration(slots)
	// A report lasts up to an hour and must end more than 6 hours before
	// the next slot.
	spread := slot - 8*time.Hour
	if spread < time.Hour {
		b.Fatalf("%d reports do not fit %d cells of the window with 8 hours between them", n, cells)
	}
	perm := rand.New(rand.NewChaCha8([32]byte{'g', 'r', 'i', 'd'})).Perm(cells)
	return func(r *rand.Rand, i int) (float64, float64, time.Time) {
		c := perm[i%cells]
		lon := 22 + (float64(c%cols)+0.5)*lonStep + (r.Float64()*2-1)*lonJitter
		lat := 44.5 + (float64(c/cols)+0.5)*latStep + (r.Float64()*2-1)*latJitter
		start := benchWindowStart.Add(time.Duration(i/cells)*slot + time.Duration(r.Int64N(int64(spread))))
		return lon, lat, start.Truncate(time.Minute)
	}
}

// incidentQueries returns n query strings for GET /v1/incidents: a box of
// 0.5° to 2° somewhere over Ukraine and a window of 1 to 3 days within the
// moratorium's, a page of 100.
func incidentQueries(n int) []string {
	r := rand.New(rand.NewChaCha8([32]byte{'q', 'u', 'e', 'r', 'y'}))
	out := make([]string, n)
	for i := range out {
		size := 0.5 + r.Float64()*1.5
		w, s := 22+r.Float64()*(18-size), 44.5+r.Float64()*(7.8-size)
		days := time.Duration(1+r.IntN(3)) * 24 * time.Hour
		span := benchWindowEnd.Sub(benchWindowStart) - days
		from := benchWindowStart.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Minute)
		out[i] = fmt.Sprintf("bbox=%.4f,%.4f,%.4f,%.4f&from=%s&to=%s&limit=100", w, s, w+size, s+size,
			from.Format(time.RFC3339), from.Add(days).Format(time.RFC3339))
	}
	return out
}

// BenchmarkIncidentQuery measures GET /v1/incidents with a box and a time
// window over a deployment with TRUCE_BENCH_REPORTS reports, nearly each
// an incident of its own: queryClients clients send TRUCE_BENCH_QUERIES
// queries per iteration between them. The stmts/s metric counts queries;
// open-s is the time the daemon took to open, replaying the log into the
// projection (or, with a projection that TRUCE_BENCH_DIR kept, restoring
// it).
func BenchmarkIncidentQuery(b *testing.B) {
	n := benchEnvInt(b, benchReportsEnv, 20000)
	perOp := benchEnvInt(b, benchQueriesEnv, 20000)
	dir := benchReportDeployment(b, "query", n, gridPlace(b, n))
	tuneGC(os.Getenv) // as truce serve does
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", Now: time.Now}
	start := time.Now()
	if err := d.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	open := time.Since(start)
	root, err := d.service.Digest()
	if err != nil {
		b.Fatal(err)
	}
	if root.Incidents < n*9/10 {
		b.Errorf("%d reports made only %d incidents; want most to stand alone", n, root.Incidents)
	}

	queries := incidentQueries(perOp * b.N)
	// The mediator's staff asks: the public would see only what is published.
	us, err := truce.ReadSignerFile(filepath.Join(dir, "keys", "us.key"))
	if err != nil {
		b.Fatal(err)
	}
	token, err := truce.NewToken(us, us.Log, time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	load := sendQueries(b, d.URL()+"/v1/incidents?", token, queries)
	b.StopTimer()
	if n := load.failed.Load(); n > 0 {
		b.Fatalf("%d of %d queries failed", n, len(queries))
	}
	reportLatency(b, load.lat)
	b.ReportMetric(open.Seconds(), "open-s")
	b.ReportMetric(float64(root.Incidents), "incidents")
	empty := float64(load.empty.Load()) / float64(len(queries))
	b.ReportMetric(100*empty, "empty-%")
	if empty > 0.5 {
		b.Errorf("%d of %d queries found nothing", load.empty.Load(), len(queries))
	}
	var sum, counted int
	for _, f := range load.found {
		if f >= 0 {
			sum, counted = sum+f, counted+1
		}
	}
	b.ReportMetric(float64(sum)/float64(counted), "incidents/query")
}

// queryLoad is what sendQueries saw.
type queryLoad struct {
	lat           []time.Duration // of each query
	found         []int           // incidents of each query, -1 if not counted
	empty, failed atomic.Int64
}

// sendQueries sends GET base+query, with the bearer token, for every query from queryClients
// clients at once, each sending its next query when the last is answered.
func sendQueries(b *testing.B, base, token string, queries []string) *queryLoad {
	load := &queryLoad{lat: make([]time.Duration, len(queries)), found: make([]int, len(queries))}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: queryClients, MaxConnsPerHost: queryClients}}
	defer hc.CloseIdleConnections()
	var next atomic.Int64
	var logged sync.Once
	fail := func(format string, args ...any) {
		load.failed.Add(1)
		logged.Do(func() { b.Logf(format, args...) })
	}
	var wg sync.WaitGroup
	for range queryClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(queries) {
					return
				}
				start := time.Now()
				req, _ := http.NewRequest(http.MethodGet, base+queries[i], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := hc.Do(req)
				if err != nil {
					fail("GET %s: %v", queries[i], err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				load.lat[i] = time.Since(start)
				if err != nil || resp.StatusCode != http.StatusOK {
					fail("GET %s: %s %v %.200s", queries[i], resp.Status, err, body)
					continue
				}
				if bytes.HasPrefix(body, []byte(`{"incidents":[]`)) {
					load.empty.Add(1)
				}
				load.found[i] = countIncidents(b, i, body)
			}
		})
	}
	wg.Wait()
	return load
}

// countIncidents decodes one response in 50 and returns how many
// incidents it lists; -1 for the others, so that the clients spend their
// share of the two cores on requests rather than on decoding.
func countIncidents(b *testing.B, i int, body []byte) int {
	if i%50 != 0 {
		return -1
	}
	var res struct {
		Incidents []json.RawMessage `json:"incidents"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		b.Errorf("query %d: %v", i, err)
		return -1
	}
	return len(res.Incidents)
}
