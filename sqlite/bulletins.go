package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/truce-project/truce"
)

func upsertBulletins(ctx context.Context, tx *sql.Tx, bulletins []truce.BulletinState) error {
	if len(bulletins) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bulletins (id, idx, body) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body`)
	if err != nil {
		return wrap("apply", err)
	}
	defer stmt.Close()
	for _, b := range bulletins {
		body, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("encode bulletin %s: %w", b.ID, err)
		}
		if _, err := stmt.ExecContext(ctx, b.ID, int64(b.Index), string(body)); err != nil {
			return wrap("apply: bulletin "+b.ID, err)
		}
	}
	return nil
}

// Bulletins implements [truce.Store].
func (s *Store) Bulletins(ctx context.Context) ([]truce.BulletinState, error) {
	return queryJSON[truce.BulletinState](ctx, s.r, "bulletins", `SELECT body FROM bulletins ORDER BY idx`)
}
