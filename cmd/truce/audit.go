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
// server's, and every incident against the server's. The envelopes of
// sealed entries come from the server, which shows them to members only:
// without a member's token, and with sealed entries in the log, it checks
// what the public can (the tree, and the id of every entry against the
// server's list) and says that the replay needs a token.
func (m *Main) audit(ctx context.Context, c *thttp.Client, remote *tlog.Remote, origin string, cp truce.Checkpoint) error {
	pinned := tlog.Pin(remote, origin, cp)
	if err := pinned.CheckEntries(ctx); err != nil {
		return err
	}
	theirs, sizes, err := serverRecords(ctx, c, cp.Size)
	if err != nil {
		return err
	}
	if c.Token == "" {
		sealed, err := checkEntryIDs(ctx, pinned, theirs)
		if err != nil {
			return err
		}
		if sealed > 0 {
			fmt.Fprintf(m.Stdout, "audit: the tree of %d entries matches the checkpoint; the server lists, at every index, the statement the entry holds or commits to; %d entries are sealed (members-only statements, logged as commitments)\n", cp.Size, sealed)
			return truce.Errorf(truce.EUNAUTHORIZED, "The log holds %d sealed entries, whose statements only members may read: replaying the log needs them. Audit with a member's key (verify --audit --key KEYFILE).", sealed)
		}
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
	vault := &listedVault{listed: listedEnvelopes(theirs), remote: &thttp.Vault{Client: c}}
	svc, err := service.Open(ctx, service.Config{Log: pinned, Store: store, Vault: vault, RootSizes: sizes})
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

// listedEnvelopes returns the envelopes of the sealed statements in the
// server's list, by id.
func listedEnvelopes(recs []truce.Record) map[string][]byte {
	out := map[string][]byte{}
	for _, r := range recs {
		if r.Sealed && !r.Withheld && len(r.Envelope) > 0 {
			out[r.ID] = r.Envelope
		}
	}
	return out
}

// listedVault is the server's vault as an auditor reads it: the envelopes
// the server listed, and any other fetched by id. The projector checks
// each against its commitment.
type listedVault struct {
	listed map[string][]byte
	remote truce.Vault
}

func (v *listedVault) Put(ctx context.Context, envelopes ...[]byte) error {
	return v.remote.Put(ctx, envelopes...)
}

func (v *listedVault) Get(ctx context.Context, id string) ([]byte, error) {
	if env, ok := v.listed[id]; ok {
		return env, nil
	}
	return v.remote.Get(ctx, id)
}

// checkEntryIDs checks that every entry the checkpoint commits to is a
// statement or a commitment to one, with the id the server lists at its
// index, and returns how many are commitments.
func checkEntryIDs(ctx context.Context, pinned *tlog.Pinned, theirs []truce.Record) (int, error) {
	size, _ := pinned.IntegratedSize(ctx)
	if uint64(len(theirs)) < size {
		return 0, truce.Errorf(truce.ECONFLICT, "The server lists %d statements; the log holds %d.", len(theirs), size)
	}
	sealed := 0
	const chunk = 4096
	for from := uint64(0); from < size; from += chunk {
		entries, err := pinned.Entries(ctx, from, min(from+chunk, size))
		if err != nil {
			return 0, err
		}
		for i, e := range entries {
			index := from + uint64(i)
			_, id, ok := truce.ParseCommitment(e)
			if ok {
				sealed++
			} else {
				id = truce.StatementID(e)
			}
			if theirs[index].ID != id {
				return 0, truce.Errorf(truce.ECONFLICT, "At log index %d the server lists statement %s; the log holds %s.", index, theirs[index].ID, id)
			}
		}
	}
	return sealed, nil
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
			inc := &page.Incidents[i]
			if inc.Status == truce.StatusOverdue {
				// the server's reading at its clock of a stored awaiting_reply
				inc.Status = truce.StatusAwaitingReply
			}
			theirs[inc.ID] = engine.Hash(inc)
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
