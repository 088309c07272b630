package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// read returns everything st holds.
func read(ctx context.Context, st truce.Store) (state, error) {
	var s state
	var err error
	if s.records, err = st.Statements(ctx, 0, math.MaxInt32); err != nil {
		return s, fmt.Errorf("Statements: %w", err)
	}
	if s.members, err = st.Members(ctx); err != nil {
		return s, fmt.Errorf("Members: %w", err)
	}
	if s.keys, err = st.Keys(ctx); err != nil {
		return s, fmt.Errorf("Keys: %w", err)
	}
	return s, nil
}

// wantState fails t unless st holds exactly want, its size matches the
// records, and each record can be found by its id.
func wantState(t *testing.T, st truce.Store, want state) {
	t.Helper()
	ctx := context.Background()
	size, err := st.Size(ctx)
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if size != uint64(len(want.records)) {
		t.Errorf("Size = %d, want %d", size, len(want.records))
	}
	got, err := read(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	wantRecords(t, "Statements", got.records, want.records)
	wantMembers(t, got.members, want.members)
	wantKeys(t, got.keys, want.keys)
}

// wantRecords fails t unless got equals want, record by record.
func wantRecords(t *testing.T, what string, got, want []truce.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := diffRecord(got[i], want[i]); d != "" {
			t.Fatalf("%s: record %d: %s", what, i, d)
		}
	}
}

// diffRecord says how got differs from want, or returns "". Times must be
// the same instant, to the nanosecond, and in UTC.
func diffRecord(got, want truce.Record) string {
	var d []string
	check := func(field string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w))
		}
	}
	check("Index", got.Index == want.Index, got.Index, want.Index)
	check("ID", got.ID == want.ID, got.ID, want.ID)
	check("Kind", got.Kind == want.Kind, got.Kind, want.Kind)
	check("Signer", got.Signer == want.Signer, got.Signer, want.Signer)
	check("KeyID", got.KeyID == want.KeyID, got.KeyID, want.KeyID)
	check("Time", got.Time.Equal(want.Time), got.Time.Format(time.RFC3339Nano), want.Time.Format(time.RFC3339Nano))
	check("Time.Location", got.Time.Location() == time.UTC, got.Time.Location(), time.UTC)
	check("Envelope", bytes.Equal(got.Envelope, want.Envelope), fmt.Sprintf("%q", got.Envelope), fmt.Sprintf("%q", want.Envelope))
	check("Status", got.Status == want.Status, got.Status, want.Status)
	check("Reason", got.Reason == want.Reason, got.Reason, want.Reason)
	check("Sealed", got.Sealed == want.Sealed, got.Sealed, want.Sealed)
	return strings.Join(d, "; ")
}

func wantMembers(t *testing.T, got, want []truce.MemberState) {
	t.Helper()
	want = sortedByID(want, func(m truce.MemberState) string { return m.ID })
	if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
		t.Errorf("Members:\n got %+v\nwant %+v", got, want)
	}
}

func wantKeys(t *testing.T, got, want []truce.Key) {
	t.Helper()
	want = sortedByID(want, func(k truce.Key) string { return k.ID })
	if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
		t.Errorf("Keys:\n got %s\nwant %s", formatKeys(got), formatKeys(want))
	}
}

// sortedByID returns a copy of s ordered by the bytes of its ids, which is
// the order stores must return.
func sortedByID[T any](s []T, id func(T) string) []T {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	return s
}

func formatKeys(keys []truce.Key) string {
	var parts []string
	for _, k := range keys {
		revoked := "-"
		if k.RevokedAt != nil {
			revoked = fmt.Sprint(*k.RevokedAt)
		}
		parts = append(parts, fmt.Sprintf("{%s %s added %d revoked %s}", k.ID, k.Member, k.AddedAt, revoked))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
