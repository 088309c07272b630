package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/service"
	"github.com/truce-project/truce/sqlite"
)

// TestReplayDeterminism replays the demo log, reports and all, with the
// log cut into batches of different sizes, and in two processes: the
// state digest and every incident must come out byte for byte the same.
func TestReplayDeterminism(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	m := &Main{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"init", "--demo", "--dir", dir}); err != nil {
		t.Fatal(err)
	}
	d, err := loadDeployment(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, batch := range []int{1, 2, 7, 1024} {
		got := replayDigest(t, d, batch)
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("batches of %d: replay gives\n%s\nwant (batches of 1)\n%s", batch, got, want)
		}
	}

	bin := buildTruce(t)
	digest := regexp.MustCompile(`State digest at \d+ entries: [0-9a-f]{64} \(\d+ incidents\)`)
	first := digest.FindString(runTruce(t, bin, "rebuild", "--dir", dir))
	second := digest.FindString(runTruce(t, bin, "rebuild", "--dir", dir))
	if first == "" || first != second || !strings.Contains(want, strings.Fields(first)[5]) {
		t.Errorf("two processes: %q and %q; in-process replay: %s", first, second, want)
	}
}

// replayDigest replays the log into a fresh store in batches of the given
// size and returns the digest and a hash of every incident.
func replayDigest(t *testing.T, d *Deployment, batch int) string {
	t.Helper()
	ctx := context.Background()
	l, err := openLog(ctx, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	store, err := sqlite.Open(filepath.Join(t.TempDir(), fmt.Sprintf("replay-%d.db", batch)))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	vault, err := d.openVault()
	if err != nil {
		t.Fatal(err)
	}
	defer vault.Close()
	svc, err := service.Open(ctx, service.Config{Log: l, Store: store, Vault: vault, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	root, _ := svc.Digest()
	var b strings.Builder
	fmt.Fprintf(&b, "size %d digest %s incidents %d\n", root.Size, root.Digest, root.Incidents)
	incs := svc.AllIncidents()
	for i := range incs {
		fmt.Fprintf(&b, "%s %x\n", incs[i].ID, engine.Hash(&incs[i]))
	}
	if root.Incidents == 0 || len(incs) != root.Incidents {
		t.Fatalf("replay derived %d incidents (%d listed)", root.Incidents, len(incs))
	}
	recs, err := store.Statements(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Status != truce.StatusAccepted {
			t.Errorf("demo statement %d (%s) rejected: %s", r.Index, r.Kind, r.Reason)
		}
	}
	return b.String()
}
