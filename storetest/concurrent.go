package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/truce-project/truce"
)

// testConcurrentApply races two Apply calls for the same size: one must
// win and the other return ECONFLICT, as when two projectors share a
// database.
func (s *suite) testConcurrentApply(t *testing.T, st truce.Store) {
	b := truce.Batch{Records: s.f.recs(0, 200), Members: s.f.members, Keys: s.f.keys}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = st.Apply(context.Background(), b) })
	}
	wg.Wait()
	codes := map[string]int{}
	for _, err := range errs {
		codes[truce.ErrorCode(err)]++
	}
	if codes[""] != 1 || codes[truce.ECONFLICT] != 1 {
		t.Fatalf("two concurrent Apply calls returned %v and %v, want one success and one ECONFLICT", errs[0], errs[1])
	}
	wantState(t, st, state{records: b.Records, members: b.Members, keys: b.Keys})
}

// readers is how many goroutines read while a batch is applied.
const readers = 4

// testConcurrentReaders reads while a large batch commits. Each read is
// one call, so one transaction: it must see the store before the batch or
// after it, never between, and a reader that has seen the batch must
// never again see the store without it. Whether a read lands during the
// commit depends on scheduling; the test passes on a correct store either
// way, and fails on a store that tears a batch often enough to notice.
func (s *suite) testConcurrentReaders(t *testing.T, st truce.Store) {
	f := s.f
	before := state{records: f.recs(0, 100), members: f.members[:2], keys: f.keys[:2]}
	apply(t, st, truce.Batch{Records: before.records, Members: before.members, Keys: before.keys})
	b := truce.Batch{Records: f.recs(100, largeBatch), Members: f.members[2:], Keys: []truce.Key{f.revoked(0, 150), f.keys[2]}}
	after := shape{size: 100 + largeBatch, records: 100 + largeBatch, members: len(f.members), keys: 3, revoked: 1}

	done := make(chan struct{})
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() { errs[i] = watch(st, shapeOf(before), after, done) })
	}
	err := st.Apply(context.Background(), b)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("Apply(%s): %v", describe(b), err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("reader %d: %v", i, err)
		}
	}
}

// shape is what a reader counts of a store's state.
type shape struct{ members, keys, revoked, size, records int }

func shapeOf(s state) shape {
	return shape{members: len(s.members), keys: len(s.keys), revoked: revoked(s.keys), size: len(s.records), records: len(s.records)}
}

func revoked(keys []truce.Key) int {
	n := 0
	for _, k := range keys {
		if k.RevokedAt != nil {
			n++
		}
	}
	return n
}

// watch reads st until done is closed, then once more, checking that each
// read sees before or after and that none sees before once one has seen
// after. The last read, made after Apply returned, must see after.
func watch(st truce.Store, before, after shape, done <-chan struct{}) error {
	ctx := context.Background()
	seen := false // whether a read has seen after
	for last := false; !last; {
		select {
		case <-done:
			last = true
		default:
		}
		got, err := readShape(ctx, st)
		if err != nil {
			return err
		}
		for _, c := range got.compare(before, after) {
			switch {
			case c.now == c.before && c.now == c.after: // tells nothing
			case c.now == c.after:
				seen = true
			case c.now != c.before:
				return fmt.Errorf("%s = %d, want %d (before the batch) or %d (after)", c.what, c.now, c.before, c.after)
			case seen:
				return fmt.Errorf("%s = %d as before the batch, though an earlier read saw the batch", c.what, c.now)
			case last:
				return fmt.Errorf("%s = %d as before the batch, though Apply has returned", c.what, c.now)
			}
		}
	}
	return nil
}

// count is one number a reader checks, and the two values it may take.
type count struct {
	what               string
	now, before, after int
}

// compare lists the counts in the order readShape reads them, so that a
// count seen after the batch rules out any later count before it.
func (s shape) compare(before, after shape) []count {
	return []count{
		{"len(Members)", s.members, before.members, after.members},
		{"len(Keys)", s.keys, before.keys, after.keys},
		{"revoked keys", s.revoked, before.revoked, after.revoked},
		{"Size", s.size, before.size, after.size},
		{"len(Statements)", s.records, before.records, after.records},
	}
}

// readShape counts what st holds, each count from a single call. The
// records are counted both by Size and by reading them all: a store that
// commits a batch in parts shows a count between before and after.
func readShape(ctx context.Context, st truce.Store) (shape, error) {
	var s shape
	members, err := st.Members(ctx)
	if err != nil {
		return s, fmt.Errorf("Members: %w", err)
	}
	keys, err := st.Keys(ctx)
	if err != nil {
		return s, fmt.Errorf("Keys: %w", err)
	}
	size, err := st.Size(ctx)
	if err != nil {
		return s, fmt.Errorf("Size: %w", err)
	}
	records, err := st.Statements(ctx, 0, int(size)+largeBatch+1)
	if err != nil {
		return s, fmt.Errorf("Statements: %w", err)
	}
	return shape{members: len(members), keys: len(keys), revoked: revoked(keys), size: int(size), records: len(records)}, nil
}
