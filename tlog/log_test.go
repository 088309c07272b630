package tlog

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// testKey returns a fresh signer and verifier for origin.
func testKey(t testing.TB, origin string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// openTest opens the log in dir and closes it when the test ends.
func openTest(t testing.TB, dir string, s note.Signer) *Log {
	t.Helper()
	l, err := Open(t.Context(), Config{Dir: dir, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return l
}

// testEntry is the entry the tests append as number i.
func testEntry(i int) []byte {
	return fmt.Appendf(nil, "entry %d of a test of the tlog package", i)
}

// appendAll appends testEntry(first) to testEntry(first+n-1) from workers
// goroutines and returns the entry at each index it got.
func appendAll(t testing.TB, l *Log, first, n, workers int) map[uint64][]byte {
	t.Helper()
	var mu sync.Mutex
	got := make(map[uint64][]byte, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				e := testEntry(i)
				idx, cp, err := l.Append(t.Context(), e)
				if err != nil {
					t.Errorf("Append(%d): %v", i, err)
					continue
				}
				if cp.Size <= idx {
					t.Errorf("Append(%d) = %d with a checkpoint of size %d", i, idx, cp.Size)
				}
				mu.Lock()
				if prev, dup := got[idx]; dup {
					t.Errorf("index %d given to %q and %q", idx, prev, e)
				}
				got[idx] = e
				mu.Unlock()
			}
		})
	}
	for i := first; i < first+n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return got
}

// checkEntries checks that the log holds exactly want at indexes 0 to
// len(want)-1, reading it in one range.
func checkEntries(t *testing.T, l *Log, want map[uint64][]byte) {
	t.Helper()
	got, err := l.Entries(t.Context(), 0, uint64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Entries returned %d entries, want %d", len(got), len(want))
	}
	for i, e := range got {
		if !bytes.Equal(e, want[uint64(i)]) {
			t.Errorf("entry %d = %q, want %q", i, e, want[uint64(i)])
		}
	}
}

func TestAppendConcurrent(t *testing.T) {
	t.Parallel()
	s, _ := testKey(t, "example.org/concurrent")
	l := openTest(t, t.TempDir(), s)
	const n = 200
	got := appendAll(t, l, 0, n, 16)
	if len(got) != n {
		t.Fatalf("got %d distinct indexes, want %d", len(got), n)
	}
	checkEntries(t, l, got)
	cp, err := l.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != n {
		t.Errorf("checkpoint size = %d, want %d", cp.Size, n)
	}
}

func TestEntriesRanges(t *testing.T) {
	t.Parallel()
	s, _ := testKey(t, "example.org/ranges")
	l := openTest(t, t.TempDir(), s)
	const n = 300 // one full bundle and one partial
	want := appendAll(t, l, 0, n, 32)
	for _, r := range [][2]uint64{{0, 0}, {0, 1}, {5, 9}, {250, 260}, {255, 256}, {256, 257}, {256, 300}, {299, 300}, {300, 300}, {1, 299}} {
		got, err := l.Entries(t.Context(), r[0], r[1])
		if err != nil {
			t.Fatalf("Entries(%d, %d): %v", r[0], r[1], err)
		}
		if uint64(len(got)) != r[1]-r[0] {
			t.Fatalf("Entries(%d, %d) returned %d entries", r[0], r[1], len(got))
		}
		for i, e := range got {
			if idx := r[0] + uint64(i); !bytes.Equal(e, want[idx]) {
				t.Errorf("Entries(%d, %d)[%d] = %q, want %q", r[0], r[1], i, e, want[idx])
			}
		}
	}
	for _, r := range [][2]uint64{{0, 301}, {10, 9}, {301, 301}} {
		if _, err := l.Entries(t.Context(), r[0], r[1]); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("Entries(%d, %d) = %v, want EINVALID", r[0], r[1], err)
		}
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, v := testKey(t, "example.org/reopen")
	l, err := Open(t.Context(), Config{Dir: dir, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	want := appendAll(t, l, 0, 40, 8)
	before, err := l.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Append(t.Context(), []byte("late")); truce.ErrorCode(err) != truce.EUNAVAILABLE {
		t.Errorf("Append after Close = %v, want EUNAVAILABLE", err)
	}

	// A verifier given explicitly works as well as the one NewSigner carries.
	l2, err := Open(t.Context(), Config{Dir: dir, Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l2.Close(context.Background()) })
	after, err := l2.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if after.Size != 40 || !bytes.Equal(after.Hash, before.Hash) {
		t.Errorf("reopened checkpoint = %d %x, want %d %x", after.Size, after.Hash, before.Size, before.Hash)
	}
	idx, _, err := l2.Append(t.Context(), testEntry(40))
	if err != nil {
		t.Fatal(err)
	}
	if idx != 40 {
		t.Errorf("first index after reopening = %d, want 40", idx)
	}
	want[40] = testEntry(40)
	checkEntries(t, l2, want)
}

func TestOpenLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, _ := testKey(t, "example.org/locked")
	openTest(t, dir, s)
	_, err := Open(t.Context(), Config{Dir: dir, Signer: s})
	if truce.ErrorCode(err) != truce.ECONFLICT {
		t.Fatalf("second Open = %v, want ECONFLICT", err)
	}
}

func TestOpenOtherKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, _ := testKey(t, "example.org/mine")
	l := openTest(t, dir, s)
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, origin := range []string{"example.org/mine", "example.org/theirs"} {
		other, _ := testKey(t, origin)
		if _, err := Open(t.Context(), Config{Dir: dir, Signer: other}); err == nil {
			t.Errorf("Open with another key for %s succeeded", origin)
		}
	}
}

func TestAppendTooLarge(t *testing.T) {
	t.Parallel()
	s, _ := testKey(t, "example.org/large")
	l := openTest(t, t.TempDir(), s)
	_, _, err := l.Append(t.Context(), make([]byte, truce.MaxEntrySize+1))
	if truce.ErrorCode(err) != truce.ETOOLARGE {
		t.Fatalf("Append of %d bytes = %v, want ETOOLARGE", truce.MaxEntrySize+1, err)
	}
	idx, _, err := l.Append(t.Context(), make([]byte, truce.MaxEntrySize))
	if err != nil || idx != 0 {
		t.Fatalf("Append of %d bytes = %d, %v; want 0, nil", truce.MaxEntrySize, idx, err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	s, _ := testKey(t, "example.org/config")
	_, wrong := testKey(t, "example.org/config")
	dir := t.TempDir()
	for name, cfg := range map[string]Config{
		"no dir":         {Signer: s},
		"no signer":      {Dir: dir},
		"wrong verifier": {Dir: dir, Signer: s, Verifier: wrong},
		"short interval": {Dir: dir, Signer: s, CheckpointInterval: 10 * time.Millisecond},
	} {
		if l, err := Open(t.Context(), cfg); err == nil {
			l.Close(t.Context())
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

func TestAppendAllKeepsOrder(t *testing.T) {
	s, _ := testKey(t, "example.com/appendall")
	l := openTest(t, t.TempDir(), s)
	var entries [][]byte
	for i := range 600 {
		entries = append(entries, []byte(fmt.Sprintf("entry %d", i)))
	}
	indexes, cp, err := l.AppendAll(t.Context(), entries)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size < uint64(len(entries)) {
		t.Fatalf("checkpoint size %d, want at least %d", cp.Size, len(entries))
	}
	got, err := l.Entries(t.Context(), 0, uint64(len(entries)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		if indexes[i] != uint64(i) || string(got[i]) != string(entries[i]) {
			t.Fatalf("entry %d at index %d reads %q, want index %d and %q", i, indexes[i], got[i], i, entries[i])
		}
	}
}
