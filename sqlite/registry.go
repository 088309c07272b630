package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/truce-project/truce"
)

// upsertAgreements writes agreement versions by (id, version).
func upsertAgreements(ctx context.Context, tx *sql.Tx, vs []truce.AgreementVersion) error {
	const q = `INSERT INTO agreements (id, version, body) VALUES (?, ?, ?)
		ON CONFLICT (id, version) DO UPDATE SET body = excluded.body`
	for _, v := range vs {
		body, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode agreement %s v%d: %w", v.Agreement.ID, v.Agreement.Version, err)
		}
		if _, err := tx.ExecContext(ctx, q, v.Agreement.ID, v.Agreement.Version, string(body)); err != nil {
			return wrap("apply: agreement "+v.Agreement.ID, err)
		}
	}
	return nil
}

// upsertSites writes sites by id with one prepared statement, since a
// registry import brings thousands.
func upsertSites(ctx context.Context, tx *sql.Tx, sites []truce.SiteState) error {
	if len(sites) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sites (id, category, controller, status, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET category = excluded.category, controller = excluded.controller,
			status = excluded.status, body = excluded.body`)
	if err != nil {
		return wrap("apply", err)
	}
	defer stmt.Close()
	for _, s := range sites {
		body, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("encode site %s: %w", s.ID, err)
		}
		if _, err := stmt.ExecContext(ctx, s.ID, string(s.Category), s.Controller, s.Status, string(body)); err != nil {
			return wrap("apply: site "+s.ID, err)
		}
	}
	return nil
}

func insertSiteEvents(ctx context.Context, tx *sql.Tx, events []truce.SiteEvent) error {
	if len(events) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO site_events (site, idx, body) VALUES (?, ?, ?)
		ON CONFLICT (site, idx) DO UPDATE SET body = excluded.body`)
	if err != nil {
		return wrap("apply", err)
	}
	defer stmt.Close()
	for _, e := range events {
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode site event %s@%d: %w", e.Site, e.Index, err)
		}
		if _, err := stmt.ExecContext(ctx, e.Site, int64(e.Index), string(body)); err != nil {
			return wrap("apply: site event "+e.Site, err)
		}
	}
	return nil
}

// Agreements implements [truce.Store].
func (s *Store) Agreements(ctx context.Context) ([]truce.AgreementVersion, error) {
	return queryJSON[truce.AgreementVersion](ctx, s.r, "agreements", `SELECT body FROM agreements ORDER BY id, version`)
}

// Sites implements [truce.Store].
func (s *Store) Sites(ctx context.Context) ([]truce.SiteState, error) {
	return queryJSON[truce.SiteState](ctx, s.r, "sites", `SELECT body FROM sites ORDER BY id`)
}

// SiteEvents implements [truce.Store].
func (s *Store) SiteEvents(ctx context.Context, site string) ([]truce.SiteEvent, error) {
	return queryJSON[truce.SiteEvent](ctx, s.r, "site events", `SELECT body FROM site_events WHERE site = ? ORDER BY idx`, site)
}

// queryJSON runs a query whose one column is a JSON body and decodes each.
func queryJSON[T any](ctx context.Context, db *sql.DB, what, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, wrap(what, err)
		}
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(what, err)
	}
	return out, nil
}
