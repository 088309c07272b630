// Package sqlite implements [truce.Store] on an embedded SQLite database,
// through the pure-Go driver [modernc.org/sqlite], so the truce binary
// needs no C toolchain.
//
// # Usage
//
//	s, err := sqlite.Open("/var/lib/truce/projection.db")
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//
// Open creates the file if it does not exist and brings its schema up to
// date. The database is a projection of the log: delete it, or call
// [Store.Reset], and replaying the log rebuilds it.
//
// # Connections
//
// A store holds two pools on the one file. The writer pool has a single
// connection, so Apply and Reset run one at a time, and its transactions
// begin IMMEDIATE: the write lock is taken before Apply reads the size it
// checks the batch against, so two writers, even in two processes, cannot
// both pass that check. The reader pool has as many connections as
// GOMAXPROCS, from two to eight, opened with query_only. In WAL mode
// readers do not wait for the writer: each read is a single statement and
// sees the database as of one commit, so a batch is visible entirely or
// not at all.
//
// # Pragmas
//
// Every connection sets:
//
//   - journal_mode=WAL, so that readers and the writer do not block each
//     other;
//   - synchronous=NORMAL: in WAL mode a commit is not synced to disk until
//     the next checkpoint, so a power loss can drop the last few batches
//     but never corrupts the file. The log, not this database, is the
//     record, and on start the service replays whatever the log holds
//     beyond [Store.Size]; paying an fsync per batch (FULL) would buy
//     nothing that replay does not already give;
//   - busy_timeout=5000, so that a second process on the file (a rebuild,
//     a backup) makes a call wait up to five seconds rather than fail at
//     once; a call that still cannot get its lock returns EUNAVAILABLE;
//   - foreign_keys=ON, which SQLite leaves off unless asked, so that a key
//     always names a member the projection holds.
//
// # Schema
//
// The schema is a list of numbered SQL files embedded in the binary
// (migrations/0001_projection.sql, ...). Open applies those not yet
// recorded in the schema_migrations table, all in one transaction, and
// refuses a database whose schema is newer than the binary.
//
// # Errors
//
// Constraint failures are told apart by SQLite's extended result code, as
// the driver reports it, never by the text of the message.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/truce-project/truce"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeout is how long, in milliseconds, a call waits for a lock held
// by another process before it gives up with SQLITE_BUSY.
const busyTimeout = 5000

// maxReaders bounds the reader pool. Reads are short b-tree lookups, so
// more connections than cores only add memory; a floor of two lets one
// reader page through statements while another answers a lookup.
func maxReaders() int { return min(max(runtime.GOMAXPROCS(0), 2), 8) }

// Store is a [truce.Store] on a SQLite database. It is safe for concurrent
// use.
type Store struct {
	w *sql.DB // one connection; every transaction begins IMMEDIATE
	r *sql.DB // query_only connections
}

var _ truce.Store = (*Store)(nil)

// Open opens, and creates if needed, the SQLite database at path and
// migrates its schema to the newest version this binary knows.
func Open(path string) (*Store, error) {
	// The writer's page cache is 64 MiB rather than SQLite's 2 MiB: a
	// replay upserts incidents all over the table, and at a million of
	// them the default cache rereads pages for every batch.
	w, err := openPool(path, url.Values{"_txlock": {"immediate"}, "_pragma": {"cache_size(-65536)"}}, 1)
	if err != nil {
		return nil, err
	}
	// Migrate before the readers open, so that they never see a database
	// without its tables.
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	r, err := openPool(path, url.Values{"_query_only": {"1"}}, maxReaders())
	if err != nil {
		w.Close()
		return nil, err
	}
	return &Store{w: w, r: r}, nil
}

// openPool opens a pool of at most n connections to path, each with the
// package's pragmas and the extra parameters, and checks that one opens.
func openPool(path string, extra url.Values, n int) (*sql.DB, error) {
	name, err := dsn(path, extra)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(n)
	// Keep every connection: opening one parses the schema again.
	db.SetMaxIdleConns(n)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// dsn returns the driver's name for path with the package's pragmas. It is
// a file: URI so that a path holding '?' or '#' still names the file.
func dsn(path string, extra url.Values) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	q := url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
		"_busy_timeout": {fmt.Sprint(busyTimeout)},
		"_foreign_keys": {"1"},
	}
	maps.Copy(q, extra)
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode(), nil
}

// Close closes both pools. The last connection to close checkpoints the
// write-ahead log into the database file.
func (s *Store) Close() error {
	if err := errors.Join(s.r.Close(), s.w.Close()); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}
