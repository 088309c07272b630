package tlog

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transparency-dev/tessera"
)

// benchEntrySize is about the size of a signed report statement.
const benchEntrySize = 600

// benchEntry returns a distinct entry of benchEntrySize bytes.
func benchEntry(i int) []byte {
	e := make([]byte, benchEntrySize)
	copy(e, "benchmark entry of the tlog package, padded to the size of a statement")
	binary.BigEndian.PutUint64(e[benchEntrySize-8:], uint64(i))
	return e
}

// BenchmarkAppend measures Tessera's POSIX log without HTTP in front of it:
// the ceiling for Truce's writes on this machine. The await variants run
// closed loops in which each writer waits, as a request does, for a
// published checkpoint; their throughput is writers divided by latency. The
// open-loop variant adds entries without waiting and awaits one checkpoint
// at the end, which is what the disk and the integrator can take.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{64, 256} {
		b.Run(fmt.Sprintf("await/writers=%d", writers), func(b *testing.B) {
			benchmarkAwait(b, writers)
		})
	}
	b.Run("open-loop", benchmarkOpenLoop)
}

// benchmarkAwait appends b.N entries from writers goroutines, each Append
// returning once a checkpoint includes its entry.
func benchmarkAwait(b *testing.B, writers int) {
	s, _ := testKey(b, "example.org/bench")
	l := openTest(b, b.TempDir(), s)
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				t0 := time.Now()
				if _, _, err := l.Append(b.Context(), benchEntry(i)); err != nil {
					b.Error(err)
					return
				}
				latencies[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	reportAppends(b, time.Since(start), latencies)
}

// benchmarkOpenLoop adds b.N entries through Tessera's Add from one
// goroutine without awaiting checkpoints, while another resolves each future
// (the entry is then durable and integrated), and awaits one checkpoint
// covering them all. Latency is from Add to a durable index.
func benchmarkOpenLoop(b *testing.B) {
	s, _ := testKey(b, "example.org/bench")
	l := openTest(b, b.TempDir(), s)
	ctx := b.Context()
	type pending struct {
		future tessera.IndexFuture
		added  time.Time
	}
	queue := make(chan pending, b.N)
	latencies := make([]time.Duration, 0, b.N)
	done := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() {
		defer close(done)
		for p := range queue {
			if _, err := p.future(); err != nil {
				b.Error(err)
				return
			}
			latencies = append(latencies, time.Since(p.added))
		}
	}()
	var last tessera.IndexFuture
	for i := range b.N {
		added := time.Now()
		last = l.appender.Add(ctx, tessera.NewEntry(benchEntry(i)))
		queue <- pending{last, added}
	}
	close(queue)
	<-done
	if _, _, err := l.awaiter.Await(ctx, last); err != nil {
		b.Fatal(err)
	}
	reportAppends(b, time.Since(start), latencies)
}

// reportAppends reports throughput and latency percentiles.
func reportAppends(b *testing.B, elapsed time.Duration, latencies []time.Duration) {
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
