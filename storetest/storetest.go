// Package storetest is the conformance suite of [truce.Store]. Every store
// runs it from its own tests, so that the SQLite and PostgreSQL projections
// of one log cannot drift apart.
//
// # Usage
//
// A store's test calls [Run] with an [OpenFunc], which opens a store by
// name:
//
//	func TestStore(t *testing.T) {
//		dir := t.TempDir()
//		storetest.Run(t, func(t *testing.T, name string) truce.Store {
//			s, err := sqlite.Open(filepath.Join(dir, name+".db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Each subtest opens its own store under a name of its own, so that none
// depends on what another left behind. The Reopen subtest closes its store
// and opens the same name again, which is how the suite checks that data
// survives a restart. The suite closes every store it is given.
//
// # What it checks
//
// The contract of [truce.Store] as its comments state it, and these
// choices, which the comments leave open and every store must make alike:
//
//   - A batch without records is valid: its members and keys are upserted
//     and the size stays.
//   - Apply returns EINVALID, and writes nothing, for a record with a
//     status other than accepted or rejected or a time outside years 0000
//     to 9999 (what RFC 3339 can express), and for a key whose member is
//     neither in the batch nor already in the store.
//   - Apply takes any envelope bytes, even none, and the zero values of
//     the other fields: a log shared with other writers can hold entries
//     that are not statements, and the projection must still cover their
//     indexes.
//   - Times come back in UTC, equal to the nanosecond to what was applied.
//   - The same envelope may be applied at two indexes, since the log's
//     deduplication is best-effort; Statement returns the first.
//   - Statements returns no records, and no error, for a limit of zero or
//     less or a from at or beyond the size, up to the largest uint64.
//   - Members and Keys are ordered by the bytes of their ids, not by a
//     collation of a natural language.
//   - Of two concurrent Apply calls for the same size, one succeeds and
//     the other returns ECONFLICT.
//   - A reader that runs while Apply commits sees the whole batch or none
//     of it, and once it has seen the batch, it never again sees less.
//   - A store that also implements [truce.WebhookStore] keeps webhook
//     registrations through Reset and a reopen, and deletes a member's
//     own only.
//
// The fixture is deterministic: real statements, made with [truce.Sign]
// by keys that [truce.GenerateSigner] draws from a fixed seed.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

// OpenFunc opens the store called name. The first call with a name in one
// [Run] must give a store over an empty database; a later call with the
// same name, made after the store it gave before was closed, must give a
// store over that same database. Names are short lowercase ASCII words.
// OpenFunc reports its own failures through t.
type OpenFunc func(t *testing.T, name string) truce.Store

// suite holds what the subtests share.
type suite struct {
	open OpenFunc
	f    *fixture
}

// Run runs the conformance suite against the stores that open opens.
func Run(t *testing.T, open OpenFunc) {
	s := &suite{open: open, f: newFixture(t)}
	tests := []struct {
		name string
		fn   func(*testing.T, truce.Store)
	}{
		{"Empty", s.testEmpty},
		{"ApplyAndRead", s.testApplyAndRead},
		{"Time", s.testTime},
		{"Conflict", s.testConflict},
		{"Invalid", s.testInvalid},
		{"Unreadable", s.testUnreadable},
		{"EmptyBatch", s.testEmptyBatch},
		{"NotFound", s.testNotFound},
		{"Pagination", s.testPagination},
		{"MembersAndKeys", s.testMembersAndKeys},
		{"DuplicateID", s.testDuplicateID},
		{"Reset", s.testReset},
		{"LargeBatch", s.testLargeBatch},
		{"Cancelled", s.testCancelled},
		{"ConcurrentApply", s.testConcurrentApply},
		{"ConcurrentReaders", s.testConcurrentReaders},
		{"Registry", s.testRegistry},
		{"Seen", s.testSeen},
		{"ReportsAndIncidents", s.testReportsAndIncidents},
		{"Bulletins", s.testBulletins},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, s.store(t, strings.ToLower(tt.name))) })
	}
	t.Run("Reopen", s.testReopen)
	t.Run("Webhooks", s.testWebhooks)
}

// store opens the store called name and closes it when t ends.
func (s *suite) store(t *testing.T, name string) truce.Store {
	t.Helper()
	st := s.open(t, name)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// state is everything a store holds, as its read methods return it.
type state struct {
	records []truce.Record
	members []truce.MemberState
	keys    []truce.Key
}

// apply applies b and fails t if that fails.
func apply(t *testing.T, st truce.Store, b truce.Batch) {
	t.Helper()
	if err := st.Apply(context.Background(), b); err != nil {
		t.Fatalf("Apply(%s): %v", describe(b), err)
	}
}

// wantCode fails t unless err has the given code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := truce.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

func describe(b truce.Batch) string {
	from := "-"
	if len(b.Records) > 0 {
		from = fmt.Sprint(b.Records[0].Index)
	}
	return fmt.Sprintf("%d records from %s, %d members, %d keys", len(b.Records), from, len(b.Members), len(b.Keys))
}
