package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/sqlite"
	"github.com/truce-project/truce/storetest"
)

func TestStore(t *testing.T) {
	dir := t.TempDir()
	storetest.Run(t, func(t *testing.T, name string) truce.Store {
		s, err := sqlite.Open(filepath.Join(dir, name+".db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// BenchmarkApply applies batches of 256 records with 600-byte envelopes,
// the shape of a replay, and reports records per second.
func BenchmarkApply(b *testing.B) {
	const batch = 256
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'})
	ctx := context.Background()
	next := uint64(0)
	for b.Loop() {
		b.StopTimer()
		records := benchRecords(rng, next, batch)
		next += batch
		b.StartTimer()
		if err := s.Apply(ctx, truce.Batch{Records: records}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "records/s")
}

// benchRecords returns n records from index from on, with envelopes of 600
// random bytes: the size of a typical statement.
func benchRecords(rng *rand.ChaCha8, from uint64, n int) []truce.Record {
	at := time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC)
	records := make([]truce.Record, n)
	for i := range records {
		env := make([]byte, 600)
		rng.Read(env)
		sum := sha256.Sum256(env)
		index := from + uint64(i)
		records[i] = truce.Record{
			Index: index, ID: hex.EncodeToString(sum[:]), Kind: truce.KindKeyAdd,
			Signer: "ukraine", KeyID: hex.EncodeToString(sum[:16]),
			Time: at.Add(time.Duration(index) * time.Millisecond), Envelope: env, Status: truce.StatusAccepted,
		}
	}
	return records
}

// BenchmarkStatement looks statements up by id from parallel goroutines,
// as the HTTP handlers do, while nothing writes.
func BenchmarkStatement(b *testing.B) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	records := benchRecords(rand.NewChaCha8([32]byte{'r', 'e', 'a', 'd'}), 0, 10000)
	if err := s.Apply(ctx, truce.Batch{Records: records}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := s.Statement(ctx, records[i*7919%len(records)].ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
