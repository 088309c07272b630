package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

// TestPragmas checks that every connection of both pools has the settings
// the package comment promises.
func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	want := map[string]string{"journal_mode": "wal", "synchronous": "1", "busy_timeout": "5000", "foreign_keys": "1"}
	for pool, db := range map[string]*sql.DB{"writer": s.w, "reader": s.r} {
		for name, v := range want {
			if got := pragma(t, db, name); got != v {
				t.Errorf("%s: PRAGMA %s = %q, want %q", pool, name, got, v)
			}
		}
	}
	if got := pragma(t, s.r, "query_only"); got != "1" {
		t.Errorf("reader: PRAGMA query_only = %q, want 1", got)
	}
	if got := pragma(t, s.w, "query_only"); got != "0" {
		t.Errorf("writer: PRAGMA query_only = %q, want 0", got)
	}
}

// TestPath opens a database whose path has characters that mean something
// in a URI.
func TestPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%20chars")
	path := filepath.Join(dir, "x?.db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	if err := s.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at %q: %v", path, err)
	}
}

func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}

	// A database from a newer binary is refused, with a hint.
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name) VALUES (?, 'future.sql')`, len(ms)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("Open of a database from a newer binary: %v, want an error saying so", err)
	}
}
