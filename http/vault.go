package http

import (
	"context"

	"github.com/truce-project/truce"
)

// Vault is a read-only [truce.Vault] on a server: it fetches a sealed
// statement's envelope by id (GET /v1/statements/{id}), reading as the
// client's token says, and checks that it hashes to the id. An auditor
// replays a remote log with it; only members may read sealed statements.
type Vault struct {
	Client *Client
}

var _ truce.Vault = (*Vault)(nil)

// Put implements [truce.Vault]: a remote vault takes nothing.
func (v *Vault) Put(context.Context, ...[]byte) error {
	return truce.Errorf(truce.EFORBIDDEN, "The server's vault is read-only.")
}

// Get implements [truce.Vault]. Returns ENOTFOUND for a statement the
// server does not show this reader, and ECONFLICT for an envelope that
// does not hash to id.
func (v *Vault) Get(ctx context.Context, id string) ([]byte, error) {
	st, err := v.Client.Statement(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.Withheld || len(st.Envelope) == 0 || string(st.Envelope) == "null" {
		return nil, truce.Errorf(truce.ENOTFOUND, "The server withholds statement %s from this reader; members read it with a token.", id)
	}
	if got := truce.StatementID(st.Envelope); got != id {
		return nil, truce.Errorf(truce.ECONFLICT, "The server's envelope for statement %s hashes to %s.", id, got)
	}
	return st.Envelope, nil
}
