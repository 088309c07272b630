package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/tlog"
)

// The ingest benchmarks measure the write path end to end — HTTP, decode,
// signature check, log append until a checkpoint covers the statement,
// projection — beside its two ceilings measured in the same run: ed25519
// verification on every core, and log appends without HTTP. Run them with
//
//	go test -run '^$' -bench 'Ingest|Ceiling' -benchtime 20000x ./cmd/truce/
//
// docs/benchmarks.md records the figures.

// benchStatements returns n site.declare statements by party-a, each for a
// site of its own, as a party's liaison officers would send them.
func benchStatements(b *testing.B, s *truce.Signer, n int) [][]byte {
	b.Helper()
	r := rand.New(rand.NewChaCha8([32]byte{7}))
	now := time.Now().UTC().Truncate(time.Second)
	out := make([][]byte, n)
	for i := range out {
		site := truce.Site{
			ID: fmt.Sprintf("bench:%d-%d", now.Unix(), i), Name: fmt.Sprintf("Substation %d", i),
			Category: "energy.transmission.substation", Geometry: truce.NewPoint(22+r.Float64()*18, 45+r.Float64()*7),
			Controller: "party-a", Source: "benchmark", Attributes: map[string]string{"voltage_kv": "330"},
		}
		st, err := truce.Sign(s, s.Log, truce.KindSiteDeclare, now, truce.SiteDeclare{Site: site})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = st.Raw
	}
	return out
}

// benchDeployment makes a deployment in a temporary directory and returns
// it with party-a's signer.
func benchDeployment(b *testing.B) (string, *truce.Signer) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "mission")
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Now: time.Now}
	if _, err := m.initDeployment(context.Background(), initOptions{dir: dir, name: "Benchmark", members: cloneMembers(defaultMembers)}); err != nil {
		b.Fatal(err)
	}
	s, err := truce.ReadSignerFile(filepath.Join(dir, "keys", "party-a.key"))
	if err != nil {
		b.Fatal(err)
	}
	return dir, s
}

func BenchmarkIngest(b *testing.B) {
	for _, clients := range []int{64, 256} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchIngest(b, clients) })
	}
}

func benchIngest(b *testing.B, clients int) {
	dir, s := benchDeployment(b)
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", Now: time.Now}
	if err := d.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	sts := benchStatements(b, s, b.N)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	url := d.URL() + "/v1/statements"
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(sts) {
					return
				}
				start := time.Now()
				resp, err := hc.Post(url, "application/json", bytes.NewReader(sts[i]))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
				lat[i] = time.Since(start)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d submissions failed", n, b.N)
	}
	reportLatency(b, lat)
}

// reportLatency reports throughput and the p50 and p99 of lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "stmts/s")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op") // per-op time is meaningless for a concurrent load
}

// BenchmarkCeilingVerify is the first ceiling: checking statements'
// ed25519 signatures on every core, which the write path does once per
// statement.
func BenchmarkCeilingVerify(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.NewChaCha8([32]byte{1}))
	msg := truce.PAE(truce.PayloadType, bytes.Repeat([]byte("x"), 450))
	sig := ed25519.Sign(priv, msg)
	pub := priv.Public().(ed25519.PublicKey)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Error("signature does not verify")
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkCeilingAppend is the second ceiling: appending entries of the
// statements' size to the log, each writer waiting, as the write path
// does, until a published checkpoint covers its entry; no HTTP, no checks,
// no projection.
func BenchmarkCeilingAppend(b *testing.B) {
	for _, writers := range []int{64, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			skey, _, err := tlog.GenerateKey("bench.example/ceiling")
			if err != nil {
				b.Fatal(err)
			}
			signer, err := tlog.NewSigner(skey)
			if err != nil {
				b.Fatal(err)
			}
			l, err := tlog.Open(context.Background(), tlog.Config{Dir: b.TempDir(), Signer: signer})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close(context.Background())
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					entry := bytes.Repeat([]byte("e"), 640)
					for {
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						start := time.Now()
						if _, _, err := l.Append(context.Background(), append(entry, fmt.Sprint(i)...)); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(start)
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}
