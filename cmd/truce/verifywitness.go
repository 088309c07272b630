package main

import (
	"context"
	"fmt"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/tlog"
)

// checkWitnesses reports which of the charter's witnesses cosigned cp and
// whether the charter's quorum is met; with require, a checkpoint that
// misses it is an error. The policy is read from the charter statement in
// the log, whose inclusion under cp is checked, not from the server's word.
func (m *Main) checkWitnesses(ctx context.Context, c *thttp.Client, remote *tlog.Remote, origin string, cp truce.Checkpoint, require bool) error {
	view, err := c.Witnesses(ctx)
	if err != nil {
		return err
	}
	charter, err := loggedCharter(ctx, remote, origin, cp, view.Charter, view.CharterIndex)
	if err != nil {
		return err
	}
	w, err := tlog.Witnessed(cp.Note, charter.Witnesses)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "witnesses: %s\n", w.Summary())
	if require && !w.QuorumMet {
		return truce.Errorf(truce.EUNAUTHORIZED, "The checkpoint of %d entries is cosigned by %d of the charter's witnesses; the charter requires %d. A witness may be down, or may have refused a forked history: ask its member.",
			cp.Size, len(w.Cosigned), w.Quorum)
	}
	return nil
}

// loggedCharter reads the charter statement id at index from the log's
// entry bundles, checks its inclusion under cp and its id, and returns it.
func loggedCharter(ctx context.Context, remote *tlog.Remote, origin string, cp truce.Checkpoint, id string, index uint64) (*truce.Charter, error) {
	if index >= cp.Size {
		return nil, truce.Errorf(truce.ECONFLICT, "The server names the charter at index %d, beyond the checkpoint's %d entries.", index, cp.Size)
	}
	entries, err := tlog.Pin(remote, origin, cp).Entries(ctx, index, index+1)
	if err != nil {
		return nil, err
	}
	proof, err := remote.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of the charter: %w", err)
	}
	if err := tlog.VerifyInclusion(entries[0], index, cp, proof); err != nil {
		return nil, truce.Errorf(truce.ECONFLICT, "The charter at index %d is not in the log's tree: %s", index, truce.ErrorMessage(err))
	}
	st, err := truce.ParseStatement(entries[0])
	if err != nil {
		return nil, truce.Errorf(truce.ECONFLICT, "The log entry %d the server names as the charter does not parse: %s", index, truce.ErrorMessage(err))
	}
	charter, ok := st.Body.(*truce.Charter)
	if !ok || st.ID != id {
		return nil, truce.Errorf(truce.ECONFLICT, "The log entry %d is %s (a %s), not the charter %s the server names.", index, st.ID, st.Payload.Kind, id)
	}
	return charter, nil
}
