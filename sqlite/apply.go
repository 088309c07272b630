package sqlite

import (
	"context"
	"database/sql"
	"math"
	"time"

	"github.com/truce-project/truce"
	sqlite3 "modernc.org/sqlite/lib"
)

// timeFormat is RFC 3339 in UTC with all nine fractional digits, so that
// stored times are exact and sort as they read. time.RFC3339Nano parses it.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// Apply implements [truce.Store]. It returns ECONFLICT unless the records
// start at [Store.Size] and are consecutive, and EINVALID for a record
// with a status other than accepted or rejected or a time outside years
// 0000 to 9999, or for a key whose member is neither in the batch nor in
// the projection. In every case it writes nothing.
func (s *Store) Apply(ctx context.Context, b truce.Batch) error {
	if err := checkBatch(b); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap("apply", err)
	}
	defer tx.Rollback()
	if err := checkStart(ctx, tx, b.Records); err != nil {
		return err
	}
	// Members first: a key refers to its member.
	if err := upsertMembers(ctx, tx, b.Members); err != nil {
		return err
	}
	if err := upsertKeys(ctx, tx, b.Keys); err != nil {
		return err
	}
	if err := insertRecords(ctx, tx, b.Records); err != nil {
		return err
	}
	if err := upsertAgreements(ctx, tx, b.Agreements); err != nil {
		return err
	}
	if err := upsertSites(ctx, tx, b.Sites); err != nil {
		return err
	}
	if err := insertSiteEvents(ctx, tx, b.SiteEvents); err != nil {
		return err
	}
	if err := upsertReports(ctx, tx, b.Reports); err != nil {
		return err
	}
	if err := upsertIncidents(ctx, tx, b.Incidents); err != nil {
		return err
	}
	if err := upsertBulletins(ctx, tx, b.Bulletins); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrap("apply", err)
	}
	return nil
}

// checkBatch checks what can be checked without the database: that the
// records are consecutive and well formed, and that the members' and
// keys' indexes fit the signed 64-bit integers SQLite stores. (checkStart
// sees to the records' indexes.)
func checkBatch(b truce.Batch) error {
	for i, r := range b.Records {
		if i > 0 && r.Index != b.Records[0].Index+uint64(i) {
			return truce.Errorf(truce.ECONFLICT, "Batch is not consecutive: record %d has log index %d, want %d.", i, r.Index, b.Records[0].Index+uint64(i))
		}
		if err := checkRecord(r); err != nil {
			return err
		}
	}
	for _, m := range b.Members {
		if m.Since > math.MaxInt64 {
			return truce.Errorf(truce.EINVALID, "Member %q: since %d is beyond the log.", m.ID, m.Since)
		}
	}
	for _, k := range b.Keys {
		if k.AddedAt > math.MaxInt64 || k.RevokedAt != nil && *k.RevokedAt > math.MaxInt64 {
			return truce.Errorf(truce.EINVALID, "Key %q: its log indexes are beyond the log.", k.ID)
		}
	}
	return nil
}

func checkRecord(r truce.Record) error {
	switch {
	case r.Status != truce.StatusAccepted && r.Status != truce.StatusRejected:
		return truce.Errorf(truce.EINVALID, "Record %d: status %q is neither %q nor %q.", r.Index, r.Status, truce.StatusAccepted, truce.StatusRejected)
	case r.Time.UTC().Year() < 0 || r.Time.UTC().Year() > 9999:
		return truce.Errorf(truce.EINVALID, "Record %d: time %v is outside years 0000 to 9999, which RFC 3339 can express.", r.Index, r.Time)
	}
	return nil
}

// checkStart returns ECONFLICT unless records start at the projection's
// size. The transaction holds the write lock, so the size cannot change
// before the records are in.
func checkStart(ctx context.Context, tx *sql.Tx, records []truce.Record) error {
	if len(records) == 0 {
		return nil
	}
	size, err := size(ctx, tx)
	if err != nil {
		return wrap("apply", err)
	}
	if first := records[0].Index; first != size {
		return truce.Errorf(truce.ECONFLICT, "Batch starts at log index %d, but the projection's next index is %d.", first, size)
	}
	if size+uint64(len(records)) > math.MaxInt64 {
		return truce.Errorf(truce.EINVALID, "Batch ends beyond log index %d, the last SQLite can store.", uint64(math.MaxInt64))
	}
	return nil
}

func upsertMembers(ctx context.Context, tx *sql.Tx, members []truce.MemberState) error {
	const q = `INSERT INTO members (id, role, name, since, removed) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			role = excluded.role, name = excluded.name,
			since = excluded.since, removed = excluded.removed`
	for _, m := range members {
		if _, err := tx.ExecContext(ctx, q, m.ID, string(m.Role), m.Name, int64(m.Since), m.Removed); err != nil {
			return wrap("apply: member "+m.ID, err)
		}
	}
	return nil
}

func upsertKeys(ctx context.Context, tx *sql.Tx, keys []truce.Key) error {
	const q = `INSERT INTO keys (id, member, public_key, added_at, revoked_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			member = excluded.member, public_key = excluded.public_key,
			added_at = excluded.added_at, revoked_at = excluded.revoked_at`
	for _, k := range keys {
		_, err := tx.ExecContext(ctx, q, k.ID, k.Member, k.PublicKey, int64(k.AddedAt), nullIndex(k.RevokedAt))
		if constraint(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return truce.Errorf(truce.EINVALID, "Key %q belongs to %q, which is not a member.", k.ID, k.Member)
		}
		if err != nil {
			return wrap("apply: key "+k.ID, err)
		}
	}
	return nil
}

func nullIndex(i *uint64) sql.NullInt64 {
	if i == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*i), Valid: true}
}

// insertRecords inserts records with one statement prepared for the
// transaction, so that SQLite compiles the INSERT once per batch rather
// than once per record.
func insertRecords(ctx context.Context, tx *sql.Tx, records []truce.Record) error {
	if len(records) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO statements
		(idx, id, kind, signer, key_id, time, envelope, status, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return wrap("apply", err)
	}
	defer stmt.Close()
	for _, r := range records {
		_, err := stmt.ExecContext(ctx, int64(r.Index), r.ID, string(r.Kind), r.Signer, r.KeyID,
			formatTime(r.Time), envelope(r), string(r.Status), r.Reason)
		if constraint(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			// checkStart makes this unreachable; the key is the last guard.
			return truce.Errorf(truce.ECONFLICT, "Log index %d is already in the projection.", r.Index)
		}
		if err != nil {
			return wrap("apply: record "+r.ID, err)
		}
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// envelope returns r's envelope as a value for the NOT NULL column: the
// driver binds a nil slice as NULL, and an empty log entry, which a log
// shared with other writers can hold, is still an entry.
func envelope(r truce.Record) []byte {
	if r.Envelope == nil {
		return []byte{}
	}
	return r.Envelope
}
