package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/truce-project/truce"
)

// TestAudit replays a demo log with reports and a state root, then shows
// that an operator who edits the projection behind the log's back is
// caught, with the incident named.
func TestAudit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	m := &Main{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"init", "--demo", "--dir", dir}); err != nil {
		t.Fatal(err)
	}
	// The demo's log ends a little before the next state root is due.
	d := openDaemon(t, dir)
	size := len(newClient(t, d.URL()).allStatementIDs())
	d.Close()
	setStateRootInterval(t, dir, size+2)
	d = openDaemon(t, dir)
	for i, lat := range []string{"47.512", "47.513", "47.514", "51.0"} {
		_, _, err := runCLI(t, d, "report", "--key", filepath.Join(dir, "keys", "ua.key"), "--lat", lat, "--lon", "34.59",
			"--radius", "300", "--start", "2025-03-2"+string(rune('1'+i))+"T03:10:00Z", "--act", "drone_strike", "--accused", "ru", "--source-kind", "party")
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
	}
	state := filepath.Join(t.TempDir(), "verify.json")
	out, _, err := runCLI(t, d, "verify", "--state", state, "--audit", "--key", filepath.Join(dir, "keys", "monitor.key"))
	if err != nil || !strings.Contains(out, "state roots match") || strings.Contains(out, " 0 state roots") {
		t.Fatalf("audit of an honest server: %v\n%s", err, out)
	}

	// The operator rewrites an incident's findings in the projection.
	d.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, "truce.db"))
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := db.QueryRow(`SELECT id FROM incidents ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE incidents SET body = replace(body, '"grade":"single_source"', '"grade":"corroborated"') WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	db.Close()
	d = openDaemon(t, dir)
	_, _, err = runCLI(t, d, "verify", "--state", state, "--audit", "--key", filepath.Join(dir, "keys", "monitor.key"))
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), "Incident "+id+" differs") {
		t.Errorf("audit of an edited projection: %v, want the incident %s named", err, id)
	}
}

func setStateRootInterval(t *testing.T, dir string, n int) {
	t.Helper()
	path := filepath.Join(dir, "truce.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"log_key_file": "log.key"`, `"log_key_file": "log.key", "state_root_interval": `+strconv.Itoa(n), 1))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// allStatementIDs lists the ids of every statement in log order.
func (c *client) allStatementIDs() []string {
	var ids []string
	for from := 0; ; {
		var page struct {
			Statements []struct {
				ID string `json:"id"`
			} `json:"statements"`
			Next int `json:"next"`
		}
		c.getJSON("/v1/statements?limit=1000&from="+strconv.Itoa(from), &page)
		for _, s := range page.Statements {
			ids = append(ids, s.ID)
		}
		if len(page.Statements) == 0 {
			return ids
		}
		from = page.Next
	}
}
