package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Size implements [truce.Store]. Every log entry has a record, and Apply
// keeps them consecutive from 0, so the size is the last index plus one and
// needs no counter of its own to keep in step.
func (s *Store) Size(ctx context.Context) (uint64, error) {
	n, err := size(ctx, s.r)
	if err != nil {
		return 0, wrap("size", err)
	}
	return n, nil
}

func size(ctx context.Context, q querier) (uint64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM statements`).Scan(&n)
	return uint64(n), err
}

const recordColumns = `idx, id, kind, signer, key_id, time, envelope, status, reason`

// Statement implements [truce.Store]. Should the log hold one envelope
// twice, it returns the first, the one that took effect.
func (s *Store) Statement(ctx context.Context, id string) (*truce.Record, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM statements
		WHERE id = ? ORDER BY idx LIMIT 1`, id)
	r, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, truce.Errorf(truce.ENOTFOUND, "Statement %q not found.", id)
	}
	if err != nil {
		return nil, wrap("statement", err)
	}
	return &r, nil
}

// Statements implements [truce.Store]. A limit of zero or less, or a from
// at or beyond the size, gives no records and no error.
func (s *Store) Statements(ctx context.Context, from uint64, limit int) ([]truce.Record, error) {
	out := []truce.Record{}
	if limit <= 0 || from > math.MaxInt64 {
		return out, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+recordColumns+` FROM statements
		WHERE idx >= ? ORDER BY idx LIMIT ?`, int64(from), limit)
	if err != nil {
		return nil, wrap("statements", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, wrap("statements", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("statements", err)
	}
	return out, nil
}

// scanRecord reads the recordColumns of one row.
func scanRecord(row interface{ Scan(...any) error }) (truce.Record, error) {
	var (
		r   truce.Record
		idx int64
		t   string
	)
	err := row.Scan(&idx, &r.ID, &r.Kind, &r.Signer, &r.KeyID, &t, &r.Envelope, &r.Status, &r.Reason)
	if err != nil {
		return r, err
	}
	r.Index = uint64(idx)
	if r.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
		return r, fmt.Errorf("record %d: %w", idx, err)
	}
	return r, nil
}

// Members implements [truce.Store].
func (s *Store) Members(ctx context.Context) ([]truce.MemberState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, role, name, since, removed FROM members ORDER BY id`)
	if err != nil {
		return nil, wrap("members", err)
	}
	defer rows.Close()
	out := []truce.MemberState{}
	for rows.Next() {
		var m truce.MemberState
		var since int64
		if err := rows.Scan(&m.ID, &m.Role, &m.Name, &since, &m.Removed); err != nil {
			return nil, wrap("members", err)
		}
		m.Since = uint64(since)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("members", err)
	}
	return out, nil
}

// Keys implements [truce.Store].
func (s *Store) Keys(ctx context.Context) ([]truce.Key, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, member, public_key, added_at, revoked_at FROM keys ORDER BY id`)
	if err != nil {
		return nil, wrap("keys", err)
	}
	defer rows.Close()
	out := []truce.Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, wrap("keys", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("keys", err)
	}
	return out, nil
}

func scanKey(rows *sql.Rows) (truce.Key, error) {
	var (
		k       truce.Key
		added   int64
		revoked sql.NullInt64
	)
	if err := rows.Scan(&k.ID, &k.Member, &k.PublicKey, &added, &revoked); err != nil {
		return k, err
	}
	k.AddedAt = uint64(added)
	if revoked.Valid {
		at := uint64(revoked.Int64)
		k.RevokedAt = &at
	}
	return k, nil
}

// Reset implements [truce.Store]. It deletes rows rather than the file, so
// that a store open elsewhere in the process stays valid.
func (s *Store) Reset(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap("reset", err)
	}
	defer tx.Rollback()
	// Keys before the members they refer to.
	for _, table := range []string{"bulletins", "incidents", "reports", "site_events", "sites", "agreements", "keys", "members", "statements"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
			return wrap("reset", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap("reset", err)
	}
	return nil
}

// Seen implements [truce.Store], one query per call.
func (s *Store) Seen(ctx context.Context, ids []string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT id, min(idx) FROM statements WHERE id IN (?`+
			strings.Repeat(",?", len(chunk)-1)+`) GROUP BY id`, args...)
		if err != nil {
			return nil, wrap("seen", err)
		}
		for rows.Next() {
			var id string
			var idx int64
			if err := rows.Scan(&id, &idx); err != nil {
				rows.Close()
				return nil, wrap("seen", err)
			}
			out[id] = uint64(idx)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap("seen", err)
		}
	}
	return out, nil
}

// Charter implements [truce.Store].
func (s *Store) Charter(ctx context.Context) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT id FROM statements WHERE kind = 'charter' AND status = 'accepted'
		ORDER BY idx DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", wrap("charter", err)
	}
	return id, nil
}
