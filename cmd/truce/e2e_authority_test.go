package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

// TestE2ECharterAmendment amends the charter through the API: an
// amendment names the charter in force, a member it leaves out loses its
// keys for good, and the charter in force survives a restart.
func TestE2ECharterAmendment(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	g := newKeyGen(6)
	pa, pb, med, mon := dep.signer(t, "party-a"), dep.signer(t, "party-b"), dep.signer(t, "mediator"), dep.signer(t, "monitor")
	first, firstID := c.charter()

	// amend returns a charter replacing the one named replaces, with the
	// first charter's members but the monitor, and the monitor with key
	// k if k is not nil.
	amend := func(name, replaces string, k *truce.Signer) truce.Charter {
		a := truce.Charter{Name: name, Replaces: replaces}
		for _, m := range first.Members {
			switch {
			case m.ID != "monitor":
				a.Members = append(a.Members, m)
			case k != nil:
				m.Keys = []truce.PublicKey{truce.NewPublicKey(k.Public())}
				a.Members = append(a.Members, m)
			}
		}
		return a
	}
	byParties := func(body truce.Charter) *truce.Statement {
		return sign(t, med, truce.KindCharter, t0, body, pa, pb)
	}

	second := byParties(amend("Without a monitor", firstID, nil))
	status, r := c.submit(second.Raw)
	if status != http.StatusCreated || r.Status != "accepted" {
		t.Fatalf("amendment naming the charter in force: %d %+v, want 201 accepted", status, r)
	}
	m := c.member("monitor")
	if !m.Removed || len(m.Keys) != 1 || m.Keys[0].RevokedAt == nil || *m.Keys[0].RevokedAt != r.Index {
		t.Fatalf("monitor after the amendment: %+v, want removed with its key revoked at %d", m, r.Index)
	}
	if m := c.member("party-a"); m.Removed || m.Keys[0].RevokedAt != nil {
		t.Errorf("party-a after the amendment: %+v, want it unchanged", m)
	}

	refused := []struct {
		name   string
		st     *truce.Statement
		status int
		detail string
	}{
		{"the removed member's key signs", func() *truce.Statement { st, _ := keyAdd(t, g, mon); return st }(), 403, "not in the charter in force"},
		{"amendment naming the replaced charter", byParties(amend("Stale", firstID, g.signer(t, "monitor", dep.Origin))), 409, "must name the charter in force"},
		{"amendment naming no charter", byParties(amend("Anew", "", g.signer(t, "monitor", dep.Origin))), 409, "must name the charter in force"},
		{"amendment listing the revoked key again", byParties(amend("Monitor back", second.ID, mon)), 409, "was revoked"},
	}
	for _, tc := range refused {
		resp, data := c.do(http.MethodPost, "/v1/statements", tc.st.Raw)
		checkProblem(t, resp, data, tc.status, tc.detail)
	}

	// The member comes back with a new key only, and the charter in force
	// is known again after a restart, from the projection.
	mon2 := g.signer(t, "monitor", dep.Origin)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, openDaemon(t, dep.Dir).URL())
	resp, data := c.do(http.MethodPost, "/v1/statements", byParties(amend("Stale after a restart", firstID, mon2)).Raw)
	checkProblem(t, resp, data, http.StatusConflict, "must name the charter in force, "+second.ID)
	third := byParties(amend("Monitor back", second.ID, mon2))
	if status, r := c.submit(third.Raw); status != http.StatusCreated || r.Status != "accepted" {
		t.Fatalf("amendment naming the charter in force after a restart: %d %+v", status, r)
	}
	m = c.member("monitor")
	active := map[string]bool{}
	for _, k := range m.Keys {
		active[k.ID] = k.RevokedAt == nil
	}
	if m.Removed || len(m.Keys) != 2 || active[mon.ID()] || !active[mon2.ID()] {
		t.Fatalf("monitor back: %+v, want named again with its old key revoked and a new one", m)
	}
	st, _ := keyAdd(t, g, mon2)
	if status, _ := c.submit(st.Raw); status != http.StatusCreated {
		t.Errorf("the monitor's new key signs: %d, want 201", status)
	}
}

// TestE2EReplay puts a statement on the log a second time, as someone
// other than the service could, and checks that the copy is recorded as
// rejected and changes nothing, whether the projection holds the original
// or replays both from scratch.
func TestE2EReplay(t *testing.T) {
	t.Parallel()
	dep := initDeployment(t)
	d := openDaemon(t, dep.Dir)
	c := newClient(t, d.URL())
	st, _ := keyAdd(t, newKeyGen(7), dep.signer(t, "party-a"))
	if _, r := c.submit(st.Raw); r.Index != 1 {
		t.Fatalf("receipt %+v, want index 1", r)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	dp, err := loadDeployment(dep.Dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := openLog(ctx, dp, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if i, _, err := l.Append(ctx, st.Raw); err != nil || i != 2 {
		t.Fatalf("append the statement again: index %d, %v; want 2", i, err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	check := func(c *client) (string, string) {
		t.Helper()
		list, _ := c.allStatements(100)
		if len(list) != 3 || list[1].ID != st.ID || list[1].Status != "accepted" || list[2].ID != st.ID {
			t.Fatalf("statements %+v, want the key.add at 1 and its copy at 2", list)
		}
		if r := list[2]; r.Status != "rejected" || !strings.Contains(r.Reason, "is a replay of the one at log index 1") {
			t.Errorf("the copy: %s %q, want it rejected as a replay of index 1", r.Status, r.Reason)
		}
		var v statementView
		c.getJSON("/v1/statements/"+st.ID, &v)
		if v.Index != 1 || v.Status != "accepted" {
			t.Errorf("GET /v1/statements/%s: %+v, want the original at 1", st.ID, v)
		}
		if status, r := c.submit(st.Raw); status != http.StatusOK || r.Index != 1 {
			t.Errorf("submitted again: %d at %d, want 200 at 1", status, r.Index)
		}
		if m := c.member("party-a"); len(m.Keys) != 2 {
			t.Errorf("party-a has %d keys, want 2", len(m.Keys))
		}
		return projection(c)
	}
	d = openDaemon(t, dep.Dir)
	statements, members := check(newClient(t, d.URL()))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	dbs, _ := filepath.Glob(filepath.Join(dep.Dir, "truce.db*"))
	for _, f := range dbs {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	statementsAfter, membersAfter := check(newClient(t, openDaemon(t, dep.Dir).URL()))
	if statementsAfter != statements || membersAfter != members {
		t.Errorf("projection replayed from scratch differs:\n%s\n%s\nbefore:\n%s\n%s", statementsAfter, membersAfter, statements, members)
	}
}
