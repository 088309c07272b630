package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/service"
	"github.com/truce-project/truce/sqlite"
	"github.com/truce-project/truce/tlog"
)

// audit replays the log as of the verified checkpoint cp into a fresh
// projection of its own, with the same engine the server runs, and checks
// every state root against its own digest, every verdict against the
// server's, and every incident against the server's.
func (m *Main) audit(ctx context.Context, c *thttp.Client, remote *tlog.Remote, origin string, cp truce.Checkpoint) error {
	pinned := tlog.Pin(remote, origin, cp)
	if err := pinned.CheckEntries(ctx); err != nil {
		return err
	}
	theirs, sizes, err := serverRecords(ctx, c, cp.Size)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "truce-audit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "audit.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	svc, err := service.Open(ctx, service.Config{Log: pinned, Store: store, RootSizes: sizes})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer svc.Close()
	ours, err := store.Statements(ctx, 0, int(cp.Size))
	if err != nil {
		return err
	}
	if err := compareVerdicts(ours, theirs); err != nil {
		return err
	}
	if c.Token == "" {
		fmt.Fprintf(m.Stdout, "audit: replayed %d entries; the tree of entries matches the checkpoint; %d state roots match this replay; every verdict matches the server's; incidents not compared: the public sees only published ones (pass a member's --key)\n",
			cp.Size, svc.RootsChecked())
		return nil
	}
	if err := compareIncidents(ctx, c, svc.AllIncidents()); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "audit: replayed %d entries; the tree of entries matches the checkpoint; %d state roots match this replay; every verdict and incident matches the server's\n",
		cp.Size, svc.RootsChecked())
	return nil
}

// serverRecords returns the server's records of the first size entries and
// the sizes its state roots cover.
func serverRecords(ctx context.Context, c *thttp.Client, size uint64) ([]truce.Record, map[uint64]bool, error) {
	var out []truce.Record
	sizes := map[uint64]bool{}
	for from := uint64(0); from < size; {
		page, err := c.Statements(ctx, from, 1000)
		if err != nil {
			return nil, nil, err
		}
		if len(page.Statements) == 0 {
			break
		}
		for _, v := range page.Statements {
			if v.Index >= size {
				break
			}
			v.Record.Envelope = v.Envelope
			out = append(out, v.Record)
			if v.Kind == truce.KindStateRoot {
				if st, err := truce.ParseStatement(v.Envelope); err == nil {
					sizes[st.Body.(*truce.StateRoot).Size] = true
				}
			}
		}
		from = page.Next
	}
	return out, sizes, nil
}

// compareVerdicts checks that the server records, at each index, the entry
// the log holds with the verdict this replay reached.
func compareVerdicts(ours, theirs []truce.Record) error {
	if len(theirs) < len(ours) {
		return truce.Errorf(truce.ECONFLICT, "The server lists %d statements; the log holds %d.", len(theirs), len(ours))
	}
	for i, o := range ours {
		t := theirs[i]
		switch {
		case t.ID != o.ID:
			return truce.Errorf(truce.ECONFLICT, "At log index %d the server lists statement %s; the log holds %s.", o.Index, t.ID, o.ID)
		case t.Status != o.Status && o.Kind == truce.KindStateRoot:
			return truce.Errorf(truce.ECONFLICT, "The state root at log index %d does not match this replay: %s", o.Index, o.Reason)
		case t.Status != o.Status:
			return truce.Errorf(truce.ECONFLICT, "At log index %d the server says %s; this replay says %s (%s).", o.Index, t.Status, o.Status, o.Reason)
		}
	}
	return nil
}

// compareIncidents names the first incident, by id, on which the server
// and this replay differ.
func compareIncidents(ctx context.Context, c *thttp.Client, ours []truce.Incident) error {
	theirs := map[string][32]byte{}
	q := "limit=1000"
	for {
		page, err := c.Incidents(ctx, q)
		if err != nil {
			return err
		}
		for i := range page.Incidents {
			theirs[page.Incidents[i].ID] = engine.Hash(&page.Incidents[i])
		}
		if page.Next == "" {
			break
		}
		q = "limit=1000&after=" + page.Next
	}
	for i := range ours {
		h, ok := theirs[ours[i].ID]
		switch {
		case !ok:
			return truce.Errorf(truce.ECONFLICT, "Incident %s, which this replay derives, is missing from the server.", ours[i].ID)
		case h != engine.Hash(&ours[i]):
			return truce.Errorf(truce.ECONFLICT, "Incident %s differs between the server and this replay.", ours[i].ID)
		}
		delete(theirs, ours[i].ID)
	}
	for id := range theirs {
		return truce.Errorf(truce.ECONFLICT, "The server shows incident %s, which this replay does not derive.", id)
	}
	return nil
}
