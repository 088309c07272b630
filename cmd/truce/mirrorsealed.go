package main

import (
	"context"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/tlog"
)

// A mirror's log holds members-only statements as commitments. Before its
// projector reads a batch of entries, the mirror makes sure its own vault
// (DIR/vault.db) holds the envelope of every commitment among them: it
// fetches the missing ones from the server as its member reads them (the
// server's list of statements, a page at a time, else by id), checks that
// each hashes to the committed id, and stores them, synced, in one write,
// so that a restarted mirror never fetches one twice. The projector then
// resolves each commitment from that vault and checks the envelope's kind
// (Mirror.checkRecords alerts on one that does not match).

// listPage is how many statements the mirror asks the server for at once.
const listPage = 1000

// sealedLog is the log as the mirror's projector reads it: the follower's
// entries, checked against the tree, whose sealed statements the mirror's
// vault holds by the time Entries returns them.
type sealedLog struct {
	*tlog.Follower
	mi *Mirror
}

// Entries implements truce.Log.
func (l *sealedLog) Entries(ctx context.Context, from, to uint64) ([][]byte, error) {
	entries, err := l.Follower.Entries(ctx, from, to)
	if err != nil {
		return nil, err
	}
	if err := l.mi.fetchSealed(ctx, from, entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// commitment is a sealed log entry.
type commitment struct {
	index uint64
	id    string
	kind  truce.Kind
}

// fetchSealed stores in the mirror's vault the envelopes of the
// commitments among entries (the log's entries from index from) that it
// does not hold yet. Returns EUNAUTHORIZED without a member's key,
// ECONFLICT if the server does not give a member the committed statement,
// and EUNAVAILABLE if the server has not listed an entry yet.
func (mi *Mirror) fetchSealed(ctx context.Context, from uint64, entries [][]byte) error {
	var missing []commitment
	for i, e := range entries {
		kind, id, ok := truce.ParseCommitment(e)
		if !ok {
			continue
		}
		_, err := mi.vault.Get(ctx, id)
		switch truce.ErrorCode(err) {
		case "":
		case truce.ENOTFOUND:
			missing = append(missing, commitment{index: from + uint64(i), id: id, kind: kind})
		default:
			return err
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if mi.Signer == nil {
		return truce.Errorf(truce.EUNAUTHORIZED, "Log entry %d is sealed (a %s that only members may read), as are %d more entries up to %d: replaying the log needs their statements, which the server gives members only. Mirror with a member's key (truce mirror --key KEYFILE): a party's, the mediator's, a monitor's or the operator's.",
			missing[0].index, missing[0].kind, len(missing)-1, from+uint64(len(entries)))
	}
	c, err := mi.memberClient(ctx)
	if err != nil {
		return err
	}
	envelopes, err := fetchEnvelopes(ctx, c, mi.Signer.Member, missing)
	if err != nil {
		return err
	}
	return mi.vault.Put(ctx, envelopes...)
}

// fetchEnvelopes returns the envelopes of the sealed statements missing,
// in index order, from the server's list of statements (a page from each
// index the last page did not reach) or, if the list withholds one, by
// id. Each must be the statement the log commits to at its index.
func fetchEnvelopes(ctx context.Context, c *thttp.Client, member string, missing []commitment) ([][]byte, error) {
	listed := map[uint64]thttp.StatementView{}
	var next uint64 // the last page listed the statements before next
	out := make([][]byte, 0, len(missing))
	for _, cm := range missing {
		if cm.index >= next {
			page, err := c.Statements(ctx, cm.index, listPage)
			if err != nil {
				return nil, err
			}
			clear(listed)
			for _, v := range page.Statements {
				listed[v.Index] = v
			}
			next = page.Next
		}
		v, ok := listed[cm.index]
		if !ok {
			return nil, truce.Errorf(truce.EUNAVAILABLE, "The server does not list log entry %d yet (its projection is behind its log); the mirror will fetch it next time.", cm.index)
		}
		env, err := listedEnvelope(ctx, c, member, cm, v)
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}

// listedEnvelope returns the envelope of the sealed statement cm from the
// server's record v of its index, fetching it by id if the list withholds
// it, after checking that it hashes to the committed id.
func listedEnvelope(ctx context.Context, c *thttp.Client, member string, cm commitment, v thttp.StatementView) ([]byte, error) {
	if v.ID != cm.id {
		return nil, truce.Errorf(truce.ECONFLICT, "At log index %d the server lists statement %s; the log commits to %s.", cm.index, v.ID, cm.id)
	}
	env := []byte(v.Envelope)
	if v.Withheld || len(env) == 0 || string(env) == "null" {
		var err error
		env, err = (&thttp.Vault{Client: c}).Get(ctx, cm.id)
		switch truce.ErrorCode(err) {
		case "":
		case truce.ENOTFOUND:
			return nil, truce.Errorf(truce.ECONFLICT, "The server does not give %s sealed statement %s (log index %d, a %s), which the log commits to and every party, mediator, monitor and operator may read: %s",
				member, cm.id, cm.index, cm.kind, truce.ErrorMessage(err))
		case truce.ECONFLICT:
			return nil, truce.Errorf(truce.ECONFLICT, "Log index %d: %s It is not the statement the log commits to.", cm.index, truce.ErrorMessage(err))
		default:
			return nil, err
		}
	}
	if _, _, ok := truce.ParseCommitment(env); ok {
		return nil, truce.Errorf(truce.ECONFLICT, "The server gives no statement for log entry %d, a commitment to sealed statement %s (a %s), since its own replay rejected the commitment: %s", cm.index, cm.id, cm.kind, v.Reason)
	}
	if got := truce.StatementID(env); got != cm.id {
		return nil, truce.Errorf(truce.ECONFLICT, "The server's envelope for sealed statement %s (log index %d, a %s) hashes to %s: it is not the statement the log commits to.", cm.id, cm.index, cm.kind, got)
	}
	return env, nil
}

// memberSession is the server as the mirror's member reads it, with a
// token the mirror renews before it expires.
type memberSession struct {
	client *thttp.Client
	issued time.Time
}

// memberClient returns a client that reads as the mirror's member. The
// first time, it asks the server who that is, and refuses a member who
// does not read every sealed statement (EFORBIDDEN).
func (mi *Mirror) memberClient(ctx context.Context) (*thttp.Client, error) {
	now := mi.Now()
	s := &mi.member
	if s.client != nil && now.Sub(s.issued) < tokenTTL/2 && !now.Before(s.issued) {
		return s.client, nil
	}
	tok, err := truce.NewToken(mi.Signer, mi.verifier.Name(), now, tokenTTL)
	if err != nil {
		return nil, err
	}
	c := *mi.client
	c.Token = tok
	if s.client == nil {
		r, err := c.Whoami(ctx)
		if err != nil {
			return nil, err
		}
		if !r.Full() {
			return nil, truce.Errorf(truce.EFORBIDDEN, "The server reads %s as %s, who may read only its own sealed statements: replaying the log needs every one. Mirror with the key of a party, the mediator, a monitor or the operator.", mi.Signer.Member, r.Role)
		}
	}
	s.client, s.issued = &c, now
	return s.client, nil
}
