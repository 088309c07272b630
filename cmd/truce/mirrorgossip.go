package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
)

// Latest implements gossip.View: the checkpoint the mirror last verified
// and replayed.
func (mi *Mirror) Latest(ctx context.Context) ([][]byte, error) {
	cp, err := mi.follower.Checkpoint(ctx)
	if err != nil || cp.Note == nil {
		return [][]byte{}, err
	}
	return [][]byte{cp.Note}, nil
}

// Observe implements gossip.View: a checkpoint of the log that a peer saw
// must be consistent with the mirror's, by a proof from the log's tiles.
// A proof the tiles cannot give yet (the peer is ahead) is not evidence.
func (mi *Mirror) Observe(ctx context.Context, raw []byte) error {
	theirs, err := gossip.Verify(raw, mi.verifier)
	if err != nil {
		return err
	}
	ours, err := mi.follower.Checkpoint(ctx)
	if err != nil {
		return err
	}
	err = gossip.Compare(ctx, ours, theirs, mi.remote.ConsistencyProof)
	if truce.ErrorCode(err) == truce.EUNAVAILABLE {
		mi.Logger.Warn("gossip: cannot check a peer's checkpoint yet", "size", theirs.Size, "err", truce.ErrorMessage(err))
		return nil
	}
	return err
}

// gossip sends cp to each peer and checks the checkpoints each peer holds
// against the mirror's view. A peer that cannot be reached is logged and
// skipped: gossip must not let one peer stop the mirror.
func (mi *Mirror) gossip(ctx context.Context, cp truce.Checkpoint) error {
	for _, peer := range mi.Peers {
		theirs, err := gossip.Exchange(ctx, mi.HTTP, peer, cp.Note)
		if truce.ErrorCode(err) == truce.ECONFLICT {
			// The peer says the log forked: believe the checkpoints the log
			// signed that the peer shows, not its word.
			claim := err
			if theirs, err = gossip.Fetch(ctx, mi.HTTP, peer); err == nil {
				err = mi.observeAll(ctx, peer, theirs)
			}
			if truce.ErrorCode(err) == truce.ECONFLICT {
				return err
			}
			mi.Logger.Warn("gossip: a peer claims a split view it does not show", "peer", peer, "claim", truce.ErrorMessage(claim))
			continue
		}
		if err != nil {
			mi.Logger.Warn("gossip", "peer", peer, "err", truce.ErrorMessage(err))
			continue
		}
		if err := mi.observeAll(ctx, peer, theirs); err != nil {
			return err
		}
	}
	return nil
}

// observeAll checks the checkpoints of this mirror's log among those a
// peer holds, and returns ECONFLICT for the first that proves a fork.
func (mi *Mirror) observeAll(ctx context.Context, peer string, checkpoints [][]byte) error {
	for _, raw := range checkpoints {
		if gossip.Origin(raw) != mi.verifier.Name() {
			continue
		}
		if err := mi.Observe(ctx, raw); truce.ErrorCode(err) == truce.ECONFLICT {
			return truce.Errorf(truce.ECONFLICT, "Gossip peer %s: %s", peer, truce.ErrorMessage(err))
		} else if err != nil {
			mi.Logger.Warn("gossip: a peer's checkpoint", "peer", peer, "err", truce.ErrorMessage(err))
		}
	}
	return nil
}

func (m *Main) runMirror(ctx context.Context, args []string) error {
	fs := m.flagSet("mirror", "mirror --server URL --dir DIR [--key KEYFILE] [--vkey KEY] [--once] [--interval 10s] [--peer URL ...] [--addr ADDR] [--webhook URL]",
		"Follows the log of the server at URL into a projection of its own in DIR: verifies each\n"+
			"checkpoint and that it extends the last one, reads every new entry from the log's\n"+
			"bundles and checks it against the tree, replays it with this binary's engine, and checks\n"+
			"every state root against its own digest. The log holds members-only statements as\n"+
			"commitments: with --key, a member's key (a party's, the mediator's, a monitor's or the\n"+
			"operator's), the mirror fetches their envelopes from the server, checks each against its\n"+
			"commitment, and keeps them in DIR/vault.db; without it, it stops at the first one.\n"+
			"It gossips checkpoints with the witnesses and mirrors given by --peer, and serves GET\n"+
			"and POST /gossip itself with --addr.\n"+
			"Anything inconsistent is an alert: a log line on standard error, a JSON POST to\n"+
			"--webhook, and with --once a non-zero exit. Without --once it keeps running.")
	var mi Mirror
	fs.StringVar(&mi.Dir, "dir", "", "the mirror's directory (required)")
	fs.StringVar(&mi.VerifierKey, "vkey", "", "the log's verifier key, ORIGIN+HASH+KEY (default: trusted on first use)")
	key := fs.String("key", "", "a member's key file, to read the statements only members may read")
	fs.StringVar(&mi.Webhook, "webhook", "", "a URL to POST each alert to, as JSON")
	fs.Uint64Var(&mi.StateRootInterval, "state-root-interval", 0, "the deployment's state root interval (default 1000)")
	var peers stringsFlag
	fs.Var(&peers, "peer", "a witness's or mirror's base URL to gossip with (repeatable)")
	server := m.serverFlag(fs)
	once := fs.Bool("once", false, "catch up once and exit: 1 on an alert")
	interval := fs.Duration("interval", 10*time.Second, "time between two catch-ups")
	addr := fs.String("addr", "", "serve this mirror's /gossip endpoint at this address")
	if err := parse(fs, args); err != nil {
		return err
	}
	if mi.Dir == "" {
		return usagef("mirror: --dir is required")
	}
	mi.Server, mi.Peers, mi.Now = *server, peers, m.Now
	if *key != "" {
		s, err := truce.ReadSignerFile(*key)
		if err != nil {
			return err
		}
		mi.Signer = s
	}
	mi.Logger = slog.New(slog.NewTextHandler(m.Stderr, nil))
	if err := mi.Open(ctx); err != nil {
		return err
	}
	defer mi.Close()
	if *addr != "" {
		u, stop, err := mi.serveGossip(*addr)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(m.Stderr, "Mirror gossip at %s/gossip\n", u)
	}
	return m.followLoop(ctx, &mi, *once, *interval)
}

// followLoop syncs the mirror until ctx ends, or once. A key the server
// does not take, or a log the mirror cannot replay without one, ends it.
func (m *Main) followLoop(ctx context.Context, mi *Mirror, once bool, interval time.Duration) error {
	for {
		start := time.Now()
		err := mi.Sync(ctx)
		if once {
			if err == nil {
				fmt.Fprintf(m.Stdout, "mirror: %d entries replayed and checked against the tree; state roots match\n", mi.Size())
			}
			return err
		}
		if code := truce.ErrorCode(err); code == truce.EUNAUTHORIZED || code == truce.EFORBIDDEN {
			return err
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			mi.Logger.Error("sync", "err", truce.ErrorMessage(err), "took", time.Since(start))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
