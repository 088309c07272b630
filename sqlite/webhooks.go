package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/truce-project/truce"
)

var _ truce.WebhookStore = (*Store)(nil)

// CreateWebhook implements [truce.WebhookStore].
func (s *Store) CreateWebhook(ctx context.Context, h truce.Webhook) error {
	filter, err := json.Marshal(h.Filter)
	if err != nil {
		return fmt.Errorf("encode webhook filter: %w", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO webhooks (id, member, key, url, filter, created) VALUES (?, ?, ?, ?, ?, ?)`,
		h.ID, h.Member, h.Key, h.URL, string(filter), h.Created.UTC().Format(time.RFC3339Nano))
	if constraint(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return truce.Errorf(truce.ECONFLICT, "Webhook %s exists.", h.ID)
	}
	if err != nil {
		return wrap("create webhook", err)
	}
	return nil
}

// Webhooks implements [truce.WebhookStore].
func (s *Store) Webhooks(ctx context.Context) ([]truce.Webhook, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, member, key, url, filter, created FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, wrap("webhooks", err)
	}
	defer rows.Close()
	out := []truce.Webhook{}
	for rows.Next() {
		var h truce.Webhook
		var filter, created string
		if err := rows.Scan(&h.ID, &h.Member, &h.Key, &h.URL, &filter, &created); err != nil {
			return nil, wrap("webhooks", err)
		}
		if err := json.Unmarshal([]byte(filter), &h.Filter); err != nil {
			return nil, fmt.Errorf("sqlite: webhook %s: filter: %w", h.ID, err)
		}
		if h.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return nil, fmt.Errorf("sqlite: webhook %s: created: %w", h.ID, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("webhooks", err)
	}
	return out, nil
}

// DeleteWebhook implements [truce.WebhookStore].
func (s *Store) DeleteWebhook(ctx context.Context, member, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ? AND member = ?`, id, member)
	if err != nil {
		return wrap("delete webhook", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return truce.Errorf(truce.ENOTFOUND, "Webhook %q not found.", id)
	}
	return nil
}
