package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/truce-project/truce"
)

func upsertReports(ctx context.Context, tx *sql.Tx, reports []truce.ReportState) error {
	if len(reports) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO reports (id, idx, signer, client_ref, retracted) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET retracted = excluded.retracted`)
	if err != nil {
		return wrap("apply", err)
	}
	defer stmt.Close()
	for _, r := range reports {
		if _, err := stmt.ExecContext(ctx, r.ID, int64(r.Index), r.Signer, r.ClientRef, r.Retracted); err != nil {
			return wrap("apply: report "+r.ID, err)
		}
	}
	return nil
}

func upsertIncidents(ctx context.Context, tx *sql.Tx, incidents []truce.Incident) error {
	if len(incidents) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO incidents (id, updated_at, body) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body`)
	if err != nil {
		return wrap("apply", err)
	}
	defer stmt.Close()
	for _, inc := range incidents {
		body, err := json.Marshal(inc)
		if err != nil {
			return fmt.Errorf("encode incident %s: %w", inc.ID, err)
		}
		if _, err := stmt.ExecContext(ctx, inc.ID, int64(inc.UpdatedAt), string(body)); err != nil {
			return wrap("apply: incident "+inc.ID, err)
		}
	}
	return nil
}

// Reports implements [truce.Store].
func (s *Store) Reports(ctx context.Context) ([]truce.ReportState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, idx, signer, client_ref, retracted FROM reports ORDER BY id`)
	if err != nil {
		return nil, wrap("reports", err)
	}
	defer rows.Close()
	out := []truce.ReportState{}
	for rows.Next() {
		var r truce.ReportState
		var idx int64
		if err := rows.Scan(&r.ID, &idx, &r.Signer, &r.ClientRef, &r.Retracted); err != nil {
			return nil, wrap("reports", err)
		}
		r.Index = uint64(idx)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("reports", err)
	}
	return out, nil
}

// Incidents implements [truce.Store].
func (s *Store) Incidents(ctx context.Context) ([]truce.Incident, error) {
	return queryJSON[truce.Incident](ctx, s.r, "incidents", `SELECT body FROM incidents ORDER BY id`)
}

// Envelopes implements [truce.Store]: it streams rather than returns a
// slice, since a restart reads every report.
func (s *Store) Envelopes(ctx context.Context, kind truce.Kind, fn func(envelope []byte) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT envelope FROM statements WHERE kind = ? AND status = 'accepted' ORDER BY idx`, string(kind))
	if err != nil {
		return wrap("envelopes", err)
	}
	defer rows.Close()
	for rows.Next() {
		var env []byte
		if err := rows.Scan(&env); err != nil {
			return wrap("envelopes", err)
		}
		if err := fn(env); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("envelopes", err)
	}
	return nil
}
