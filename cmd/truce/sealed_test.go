package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/sqlite"
)

// TestSealed submits a members-only statement and checks that the public
// log holds only its commitment: not in any file of the log directory,
// which is served at /log/, but the commitment is; the receipt proves the
// commitment's inclusion; members read the envelope, the public does not.
// Then it swaps the envelope in the vault for another statement's and
// checks that a rebuild refuses it.
func TestSealed(t *testing.T) {
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	a := dep.signer(t, "party-a")
	bulletin := sign(t, a, truce.KindBulletin, t0, truce.Bulletin{Title: "Convoy", Text: "A repair convoy reaches the Kakhovka substation at dawn."})
	other := sign(t, a, truce.KindBulletin, t0, truce.Bulletin{Title: "Convoy", Text: "The convoy is delayed."})
	_, r := c.submit(bulletin.Raw)
	c.submit(other.Raw)
	commitment := fmt.Sprintf(`{"sealed":"%s","kind":"bulletin"}`, bulletin.ID)
	if string(r.Leaf) != commitment {
		t.Fatalf("receipt leaf %s, want %s", r.Leaf, commitment)
	}
	verifyReceipt(t, dep.VerifierKey, r, bulletin.Raw)

	holds := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dep.Dir, "log"), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		for name, b := range map[string][]byte{
			"envelope": bulletin.Raw, "payload": bulletin.Envelope.Payload, "base64 payload": []byte(base64.StdEncoding.EncodeToString(bulletin.Envelope.Payload)),
			"text": []byte("Kakhovka"), "commitment": []byte(commitment),
		} {
			if bytes.Contains(data, b) {
				holds[name] = true
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !holds["commitment"] || len(holds) != 1 {
		t.Errorf("the log's files hold %v; want the commitment only", holds)
	}

	if resp, data := c.do(http.MethodGet, "/v1/statements/"+bulletin.ID, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the public reads the sealed statement: %s %s", resp.Status, data)
	}
	var v statementView
	c.as(filepath.Join(dep.Dir, "keys", "party-b.key")).getJSON("/v1/statements/"+bulletin.ID, &v)
	if !bytes.Equal(v.Envelope, bulletin.Raw) || v.Index != r.Index {
		t.Errorf("a member reads %s at %d, want the envelope at %d", v.Envelope, v.Index, r.Index)
	}
	out, _, err := runCLI(t, d, "verify", "--state", filepath.Join(t.TempDir(), "v.json"), "--statement", bulletin.ID, "--key", filepath.Join(dep.Dir, "keys", "monitor.key"))
	if err != nil || !strings.Contains(out, "included in the log\n") {
		t.Errorf("verify --statement of a sealed statement, by a member: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, d, "verify", "--state", filepath.Join(t.TempDir(), "v.json"), "--statement", bulletin.ID)
	if err != nil || !strings.Contains(out, "included in the log, as a commitment") {
		t.Errorf("verify --statement of a sealed statement, by the public: %v\n%s", err, out)
	}

	// The operator puts another statement's envelope under the id.
	d.Close()
	db, err := sql.Open("sqlite", filepath.Join(dep.Dir, "vault.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE sealed SET envelope = ? WHERE id = ?`, other.Raw, bulletin.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	m := &Main{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"rebuild", "--dir", dep.Dir}); err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(filepath.Join(dep.Dir, "truce.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec, err := store.Statement(context.Background(), bulletin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Index != r.Index || rec.Status != truce.StatusRejected || !strings.Contains(rec.Reason, "hashes to "+other.ID) || !bytes.Equal(rec.Leaf(), []byte(commitment)) {
		t.Errorf("after the swap, record %+v; want a rejection at %d that names %s", rec, r.Index, other.ID)
	}
}
