package storetest

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

func (s *suite) testEmpty(t *testing.T, st truce.Store) {
	wantState(t, st, state{})
	_, err := st.Statement(context.Background(), s.f.records[0].ID)
	wantCode(t, err, truce.ENOTFOUND, "Statement on an empty store")
}

func (s *suite) testApplyAndRead(t *testing.T, st truce.Store) {
	ctx := context.Background()
	var want state
	for _, n := range []int{1, 3, 9} {
		b := truce.Batch{Records: s.f.recs(len(want.records), n)}
		apply(t, st, b)
		want.records = append(want.records, b.Records...)
		wantState(t, st, want)
	}
	for _, r := range want.records {
		got, err := st.Statement(ctx, r.ID)
		if err != nil {
			t.Fatalf("Statement(%q): %v", r.ID, err)
		}
		if d := diffRecord(*got, r); d != "" {
			t.Fatalf("Statement(%q): %s", r.ID, d)
		}
	}
}

// testTime applies times that a careless encoding loses: a zone other than
// UTC, trailing zeros in the fraction, and the ends of the years RFC 3339
// can write, which nanoseconds in an int64 cannot hold.
func (s *suite) testTime(t *testing.T, st truce.Store) {
	times := []time.Time{
		time.Date(2025, 3, 18, 15, 0, 0, 123456789, time.FixedZone("MSK", 3*60*60)),
		time.Date(2025, 3, 18, 0, 0, 0, 100000000, time.UTC),
		time.Date(2025, 3, 18, 0, 0, 0, 1, time.UTC),
		time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	records := s.f.recs(0, len(times))
	for i := range records {
		records[i].Time = times[i]
	}
	apply(t, st, truce.Batch{Records: records})
	wantState(t, st, state{records: records})
}

// testConflict applies batches that do not start at the size or are not
// consecutive, each with a member and a key, and checks that nothing of
// them is written.
func (s *suite) testConflict(t *testing.T, st truce.Store) {
	want := state{records: s.f.recs(0, 3), members: s.f.members[:1], keys: s.f.keys[:1]}
	apply(t, st, truce.Batch{Records: want.records, Members: want.members, Keys: want.keys})
	batches := []struct {
		name    string
		records []truce.Record
	}{
		{"gap", s.f.recs(4, 2)},
		{"overlap", s.f.recs(2, 2)},
		{"restart", s.f.recs(0, 1)},
		{"far", []truce.Record{s.f.at(3, math.MaxUint64)}},
		{"hole", []truce.Record{s.f.at(3, 3), s.f.at(5, 5)}},
		{"repeat", []truce.Record{s.f.at(3, 3), s.f.at(4, 3)}},
		{"reverse", []truce.Record{s.f.at(4, 4), s.f.at(3, 3)}},
	}
	for _, c := range batches {
		b := truce.Batch{
			Records: c.records,
			Members: []truce.MemberState{s.f.members[1]},
			Keys:    []truce.Key{s.f.revoked(0, 3), s.f.keys[1]},
		}
		err := st.Apply(context.Background(), b)
		wantCode(t, err, truce.ECONFLICT, "Apply of a "+c.name+" batch")
		wantState(t, st, want)
	}
}

// testInvalid applies batches that break a rule of the suite, each after a
// valid part, and checks that nothing of them is written.
func (s *suite) testInvalid(t *testing.T, st truce.Store) {
	want := state{records: s.f.recs(0, 2), members: s.f.members[:1], keys: s.f.keys[:1]}
	apply(t, st, truce.Batch{Records: want.records, Members: want.members, Keys: want.keys})
	bad := []struct {
		name  string
		spoil func(*truce.Batch)
	}{
		{"unknown status", func(b *truce.Batch) { b.Records[1].Status = "pending" }},
		{"year 10000", func(b *truce.Batch) { b.Records[1].Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"year -1", func(b *truce.Batch) { b.Records[1].Time = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"orphan key", func(b *truce.Batch) { b.Keys = append(b.Keys, s.f.keys[2]) }},
	}
	for _, c := range bad {
		b := truce.Batch{
			Records: s.f.recs(2, 2),
			Members: []truce.MemberState{s.f.members[1]},
			Keys:    []truce.Key{s.f.revoked(0, 2), s.f.keys[1]},
		}
		c.spoil(&b)
		err := st.Apply(context.Background(), b)
		wantCode(t, err, truce.EINVALID, "Apply of a batch with "+c.name)
		wantState(t, st, want)
	}
}

// testUnreadable applies records of log entries that are not statements,
// as the projector makes them so that the projection covers every index:
// arbitrary bytes, which must come back exactly, and nothing but an id, an
// index and a rejection.
func (s *suite) testUnreadable(t *testing.T, st truce.Store) {
	entries := [][]byte{{}, nil, {0}, []byte("\xff\xfe not UTF-8 \x00 nor JSON"), bytes.Repeat([]byte{0, 0xff}, truce.MaxEntrySize/2)}
	var records []truce.Record
	for i, raw := range entries {
		records = append(records, truce.Record{
			Index: uint64(i), ID: truce.StatementID(raw), Envelope: raw,
			Status: truce.StatusRejected, Reason: "Envelope is not valid UTF-8.",
		})
	}
	apply(t, st, truce.Batch{Records: records})
	wantState(t, st, state{records: records})
}

func (s *suite) testEmptyBatch(t *testing.T, st truce.Store) {
	apply(t, st, truce.Batch{})
	wantState(t, st, state{})
	records := s.f.recs(0, 2)
	apply(t, st, truce.Batch{Records: records})
	apply(t, st, truce.Batch{Members: s.f.members[:2], Keys: s.f.keys[:2]})
	wantState(t, st, state{records: records, members: s.f.members[:2], keys: s.f.keys[:2]})
}

func (s *suite) testNotFound(t *testing.T, st truce.Store) {
	apply(t, st, truce.Batch{Records: s.f.recs(0, 3)})
	for _, id := range []string{s.f.records[3].ID, "", "%", "' OR 1=1 --"} {
		r, err := st.Statement(context.Background(), id)
		wantCode(t, err, truce.ENOTFOUND, "Statement of a missing id")
		var e *truce.Error
		if !errors.As(err, &e) {
			t.Errorf("Statement(%q): error %v is not a *truce.Error", id, err)
		}
		if r != nil {
			t.Errorf("Statement(%q) = %+v with its error, want nil", id, r)
		}
	}
}

func (s *suite) testPagination(t *testing.T, st truce.Store) {
	all := s.f.recs(0, 10)
	apply(t, st, truce.Batch{Records: all})
	pages := []struct {
		from     uint64
		limit    int
		from2, n int // the records wanted: all[from2 : from2+n]
	}{
		{0, 3, 0, 3}, {3, 3, 3, 3}, {8, 5, 8, 2}, {0, 100, 0, 10}, {9, 1, 9, 1},
		{10, 3, 0, 0}, {11, 1, 0, 0}, {math.MaxInt64, 1, 0, 0}, {math.MaxUint64, 5, 0, 0},
		{0, 0, 0, 0}, {0, -1, 0, 0}, {5, math.MinInt, 0, 0},
	}
	for _, p := range pages {
		got, err := st.Statements(context.Background(), p.from, p.limit)
		if err != nil {
			t.Fatalf("Statements(%d, %d): %v", p.from, p.limit, err)
		}
		wantRecords(t, "Statements", got, all[p.from2:p.from2+p.n])
	}
}

// testMembersAndKeys upserts members and keys over several batches: a
// member renamed and later removed, a key later revoked.
func (s *suite) testMembersAndKeys(t *testing.T, st truce.Store) {
	f := s.f
	apply(t, st, truce.Batch{Records: f.recs(0, 1), Members: f.members[:3], Keys: f.keys[:3]})
	wantState(t, st, state{records: f.recs(0, 1), members: f.members[:3], keys: f.keys[:3]})

	renamed, removed := f.members[0], f.members[1]
	renamed.Name, removed.Removed = "Ukraine (renamed)", true
	members := []truce.MemberState{renamed, removed, f.members[2], f.members[3], f.members[4]}
	keys := []truce.Key{f.keys[0], f.revoked(1, 1), f.keys[2], f.keys[3], f.keys[4]}
	apply(t, st, truce.Batch{Records: f.recs(1, 1), Members: members, Keys: keys[1:]})
	wantState(t, st, state{records: f.recs(0, 2), members: members, keys: keys})

	// Applying the same state again changes nothing.
	apply(t, st, truce.Batch{Records: f.recs(2, 1), Members: members, Keys: keys})
	wantState(t, st, state{records: f.recs(0, 3), members: members, keys: keys})
}

func (s *suite) testDuplicateID(t *testing.T, st truce.Store) {
	records := append(s.f.recs(0, 3), s.f.at(1, 3))
	apply(t, st, truce.Batch{Records: records})
	wantState(t, st, state{records: records})
	got, err := st.Statement(context.Background(), records[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 1 {
		t.Errorf("Statement of an id at indexes 1 and 3 = index %d, want 1", got.Index)
	}
}

func (s *suite) testReset(t *testing.T, st truce.Store) {
	ctx := context.Background()
	apply(t, st, truce.Batch{Records: s.f.recs(0, 10), Members: s.f.members, Keys: s.f.keys})
	for range 2 {
		if err := st.Reset(ctx); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		wantState(t, st, state{})
	}
	_, err := st.Statement(ctx, s.f.records[0].ID)
	wantCode(t, err, truce.ENOTFOUND, "Statement after Reset")
	// The log replays from the start.
	want := state{records: s.f.recs(0, 3), members: s.f.members[:1], keys: s.f.keys[:1]}
	apply(t, st, truce.Batch{Records: want.records, Members: want.members, Keys: want.keys})
	wantState(t, st, want)
}

// testLargeBatch applies a batch as large as a replay makes, and one as
// large with a flaw at its very end, which must leave nothing behind.
func (s *suite) testLargeBatch(t *testing.T, st truce.Store) {
	flawed := s.f.recs(0, largeBatch)
	flawed[largeBatch-1].Index++
	err := st.Apply(context.Background(), truce.Batch{Records: flawed, Members: s.f.members, Keys: s.f.keys})
	wantCode(t, err, truce.ECONFLICT, "Apply of a large batch with a gap at its end")
	wantState(t, st, state{})

	want := state{records: s.f.recs(0, largeBatch), members: s.f.members, keys: s.f.keys}
	apply(t, st, truce.Batch{Records: want.records, Members: want.members, Keys: want.keys})
	wantState(t, st, want)
}

// testCancelled applies a batch with a cancelled context, which must write
// nothing and leave the store usable.
func (s *suite) testCancelled(t *testing.T, st truce.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := st.Apply(ctx, truce.Batch{Records: s.f.recs(0, 100), Members: s.f.members}); err == nil {
		t.Fatal("Apply with a cancelled context succeeded")
	}
	wantState(t, st, state{})
	want := state{records: s.f.recs(0, 100), members: s.f.members}
	apply(t, st, truce.Batch{Records: want.records, Members: want.members})
	wantState(t, st, want)
}

func (s *suite) testReopen(t *testing.T) {
	st := s.open(t, "reopen")
	want := state{records: s.f.recs(0, 10), members: s.f.members, keys: s.f.keys}
	apply(t, st, truce.Batch{Records: want.records, Members: want.members, Keys: want.keys})
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st = s.store(t, "reopen")
	wantState(t, st, want)
	more := s.f.recs(10, 5)
	apply(t, st, truce.Batch{Records: more})
	want.records = append(want.records, more...)
	wantState(t, st, want)
}
