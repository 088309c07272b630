package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// BenchmarkFeedFanout measures how long a new statement takes to reach
// every subscriber of the feed: N subscribers on loopback hold GET
// /v1/feed open as a party, one client submits site.declare statements one at a
// time, and each latency is from the moment the client sends a statement
// to the moment a subscriber has read its event, over every (statement,
// subscriber) pair. Run it with
//
//	go test -run '^$' -bench FeedFanout -benchtime 50x ./cmd/truce/
//
// docs/benchmarks.md records the figures.
func BenchmarkFeedFanout(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) { benchFanout(b, n) })
	}
}

// arrival is when a subscriber read the event of a log index.
type arrival struct {
	index uint64
	at    time.Time
}

func benchFanout(b *testing.B, subscribers int) {
	dir, s := benchDeployment(b)
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", Now: time.Now}
	if err := d.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	sts := benchStatements(b, s, b.N)
	// The subscribers read as party-b: site statements are shared with
	// members only.
	pb, err := truce.ReadSignerFile(filepath.Join(dir, "keys", "party-b.key"))
	if err != nil {
		b.Fatal(err)
	}
	token, err := truce.NewToken(pb, s.Log, time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: subscribers + 4, MaxConnsPerHost: subscribers + 4}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	arrivals := make([][]arrival, subscribers)
	progress := make([]atomic.Uint64, subscribers) // the last index read, plus one
	var ready sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range subscribers {
		ready.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.URL()+"/v1/feed?kind=site.declare", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				ready.Done()
				return
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			r.ReadString('\n') // ": truce feed": subscribed
			ready.Done()
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				id, ok := strings.CutPrefix(line, "id: ")
				if !ok {
					continue
				}
				index, _ := strconv.ParseUint(strings.TrimSpace(id), 10, 64)
				arrivals[i] = append(arrivals[i], arrival{index, time.Now()})
				progress[i].Store(index + 1)
			}
		}()
	}
	ready.Wait()

	sent, receipt := map[uint64]time.Time{}, map[uint64]time.Time{}
	var last uint64
	b.ResetTimer()
	for _, st := range sts {
		start := time.Now()
		resp, err := hc.Post(d.URL()+"/v1/statements", "application/json", bytes.NewReader(st))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var rec struct {
			Index uint64 `json:"index"`
		}
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &rec) != nil {
			b.Fatalf("submit: %s %s", resp.Status, body)
		}
		sent[rec.Index], receipt[rec.Index] = start, time.Now()
		last = rec.Index
	}
	// Wait until every subscriber has read the last event (polling: this
	// is a benchmark's end, not a test's synchronisation).
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		behind := 0
		for i := range progress {
			if progress[i].Load() <= last {
				behind++
			}
		}
		if behind == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d subscribers did not get every event within 60 s", behind)
		}
	}
	b.StopTimer()

	// lat is from sending to reading; spread from the first subscriber's
	// read of the same event to each read, which is the fan-out alone;
	// afterReceipt from the 201 to each read, negative when the event came
	// first (the projector publishes before the checkpoint the receipt
	// waits for).
	first := map[uint64]time.Time{}
	for _, as := range arrivals {
		for _, a := range as {
			if f, ok := first[a.index]; !ok || a.at.Before(f) {
				first[a.index] = a.at
			}
		}
	}
	var lat, spread, afterReceipt []time.Duration
	for _, as := range arrivals {
		for _, a := range as {
			if t, ok := sent[a.index]; ok {
				lat = append(lat, a.at.Sub(t))
				spread = append(spread, a.at.Sub(first[a.index]))
				afterReceipt = append(afterReceipt, a.at.Sub(receipt[a.index]))
			}
		}
	}
	if want := b.N * subscribers; len(lat) != want {
		b.Fatalf("%d deliveries, want %d", len(lat), want)
	}
	ms := func(ds []time.Duration, q float64) float64 {
		slices.Sort(ds)
		return float64(ds[min(len(ds)-1, int(float64(len(ds))*q))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(lat, 0.5), "p50-ms")
	b.ReportMetric(ms(lat, 0.99), "p99-ms")
	b.ReportMetric(ms(lat, 1), "max-ms")
	b.ReportMetric(ms(spread, 0.99), "fanout-p99-ms")
	b.ReportMetric(ms(afterReceipt, 0.99), "after-receipt-p99-ms")
	b.ReportMetric(0, "ns/op")
}
