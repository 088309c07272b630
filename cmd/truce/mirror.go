package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/service"
	"github.com/truce-project/truce/sqlite"
	"github.com/truce-project/truce/tlog"
	"golang.org/x/mod/sumdb/note"
)

// Mirror follows a served log into a projection of its own: each Sync
// verifies the log's latest checkpoint, checks that it extends the last
// one, reads the new entries from the log's bundles checking each against
// the tree, replays them with this binary's engine, checks every state
// root against its own digest, and exchanges checkpoints with its gossip
// peers. Anything that does not hold is an alert: a log line, a POST to
// the webhook, and an ECONFLICT error from Sync.
type Mirror struct {
	// Server is the URL of the Truce server whose log to follow. Required.
	Server string
	// Dir holds the mirror's state (mirror.json) and projection
	// (mirror.db). Required.
	Dir string
	// VerifierKey is the log's key. Optional: without it, the key the
	// mirror trusted on first use, or else the server's, with a warning.
	VerifierKey string
	// Peers are the base URLs of witnesses and mirrors to gossip with.
	// Optional.
	Peers []string
	// Webhook, if set, receives each alert as a JSON POST. Optional.
	Webhook string
	// StateRootInterval is the deployment's state root interval, at whose
	// multiples the mirror records its digest. Optional; defaults to
	// service.DefaultStateRootInterval.
	StateRootInterval uint64
	// Logger receives progress and alerts. Optional.
	Logger *slog.Logger
	// HTTP is the client for the server, peers and webhook. Optional.
	HTTP *http.Client

	client   *thttp.Client
	remote   *tlog.Remote
	verifier note.Verifier
	follower *tlog.Follower
	store    *sqlite.Store
	service  *service.Service
	roots    map[uint64]bool // the sizes at which the replay records its digest
	interval uint64          // the state root interval, as far as learnt
}

// mirrorState is DIR/mirror.json.
type mirrorState struct {
	Server       string             `json:"server"`
	VerifierKey  string             `json:"verifier_key"`
	Follower     tlog.FollowerState `json:"follower"`
	RootSizes    map[uint64]bool    `json:"root_sizes,omitempty"`
	RootInterval uint64             `json:"root_interval,omitempty"`
}

const mirrorStateFile = "mirror.json"

// Open opens or creates the mirror's state and projection.
func (mi *Mirror) Open(ctx context.Context) (err error) {
	if mi.Logger == nil {
		mi.Logger = slog.New(slog.DiscardHandler)
	}
	if mi.HTTP == nil {
		mi.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if mi.client, err = thttp.NewClient(mi.Server); err != nil {
		return err
	}
	mi.client.HTTP = mi.HTTP
	if err := os.MkdirAll(mi.Dir, 0o700); err != nil {
		return err
	}
	st, err := mi.readState()
	if err != nil {
		return err
	}
	if err := mi.trust(ctx, st); err != nil {
		return err
	}
	mi.remote = tlog.NewRemote(mi.client.BaseURL+"/log/", mi.HTTP)
	var cp truce.Checkpoint
	if len(st.Follower.Checkpoint) > 0 {
		if cp, err = tlog.VerifyCheckpoint(st.Follower.Checkpoint, mi.verifier); err != nil {
			return fmt.Errorf("the checkpoint in %s: %w", mirrorStateFile, err)
		}
	}
	if mi.follower, err = tlog.NewFollower(mi.remote, mi.verifier.Name(), cp, st.Follower.Size, st.Follower.Range); err != nil {
		return err
	}
	mi.roots, mi.interval = st.RootSizes, st.RootInterval
	if mi.roots == nil {
		mi.roots = map[uint64]bool{}
	}
	if mi.store, err = sqlite.Open(filepath.Join(mi.Dir, "mirror.db")); err != nil {
		return fmt.Errorf("open projection: %w", err)
	}
	mi.service, err = service.Open(ctx, service.Config{Log: mi.follower, Store: mi.store, Logger: mi.Logger,
		StateRootInterval: mi.StateRootInterval, RootSizes: mi.roots})
	if err != nil {
		mi.store.Close()
		return fmt.Errorf("open projection: %w", err)
	}
	// The mirror drives the projector itself, one Sync at a time.
	return mi.service.Close()
}

// trust sets the log's verifier: --vkey, else the one trusted before,
// else the server's on first use.
func (mi *Mirror) trust(ctx context.Context, st *mirrorState) error {
	key := mi.VerifierKey
	switch {
	case key != "" && st.VerifierKey != "" && key != st.VerifierKey:
		return truce.Errorf(truce.ECONFLICT, "--vkey differs from the key this mirror trusted before (%s); if the log's key really changed, use a new --dir.", st.VerifierKey)
	case key == "" && st.VerifierKey != "":
		key = st.VerifierKey
	case key == "":
		data, err := mi.client.LogFile(ctx, "vkey")
		if err != nil {
			return err
		}
		key = string(bytes.TrimSpace(data))
		mi.Logger.Warn("trusting the log key the server gave on first use", "vkey", key)
	}
	v, err := tlog.NewVerifier(key)
	if err != nil {
		return err
	}
	mi.verifier, mi.VerifierKey = v, key
	return nil
}

func (mi *Mirror) readState() (*mirrorState, error) {
	var st mirrorState
	data, err := os.ReadFile(filepath.Join(mi.Dir, mirrorStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "%s is corrupt: %v.", filepath.Join(mi.Dir, mirrorStateFile), err)
	}
	return &st, nil
}

func (mi *Mirror) saveState() error {
	cp, size, hashes := mi.follower.State()
	st := mirrorState{Server: mi.client.BaseURL, VerifierKey: mi.VerifierKey, RootSizes: mi.roots, RootInterval: mi.interval,
		Follower: tlog.FollowerState{Checkpoint: cp.Note, Size: size, Range: hashes}}
	data, _ := json.MarshalIndent(st, "", "  ")
	return writeFileAtomic(filepath.Join(mi.Dir, mirrorStateFile), append(data, '\n'), 0o600)
}

// Close closes the projection.
func (mi *Mirror) Close() error {
	if mi.store == nil {
		return nil
	}
	return mi.store.Close()
}

// Size returns how many entries the mirror has replayed and checked.
func (mi *Mirror) Size() uint64 { return mi.service.Applied() }

// Sync catches up with the log once. It returns an ECONFLICT error, after
// alerting, if the log is inconsistent; EUNAVAILABLE if the server cannot
// be read.
func (mi *Mirror) Sync(ctx context.Context) error {
	err := mi.sync(ctx)
	if truce.ErrorCode(err) == truce.ECONFLICT {
		mi.alert(ctx, err)
	}
	return err
}

func (mi *Mirror) sync(ctx context.Context) error {
	raw, err := mi.remote.Checkpoint(ctx)
	if err != nil {
		return err
	}
	cp, err := tlog.VerifyCheckpoint(raw, mi.verifier)
	if err != nil {
		if truce.ErrorCode(err) == truce.EUNAUTHORIZED {
			return truce.Errorf(truce.ECONFLICT, "The server's checkpoint is not signed by the log's key: %s", truce.ErrorMessage(err))
		}
		return err
	}
	from := mi.service.Applied()
	if err := mi.follower.Advance(ctx, cp); err != nil {
		return err
	}
	if err := mi.service.CatchUp(ctx); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if err := mi.checkRoots(ctx, from, cp.Size); err != nil {
		return err
	}
	if err := mi.saveState(); err != nil {
		return err
	}
	mi.Logger.Info("mirror in sync", "size", cp.Size, "roots_checked", mi.service.RootsChecked())
	return mi.gossip(ctx, cp)
}

// checkRoots alerts on a state root in [from, to) that this replay
// rejected because its digest differs from the mirror's own. It also
// learns the deployment's state root interval from the roots it sees, so
// that the replay records its digest at the sizes the next roots cover.
func (mi *Mirror) checkRoots(ctx context.Context, from, to uint64) error {
	for from < to {
		recs, err := mi.store.Statements(ctx, from, 1000)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if r.Kind != truce.KindStateRoot {
				continue
			}
			if r.Status == truce.StatusRejected {
				return truce.Errorf(truce.ECONFLICT, "The state root at log index %d differs from this mirror's replay: %s", r.Index, r.Reason)
			}
			if st, err := truce.ParseStatement(r.Envelope); err == nil {
				mi.learnRoot(st.Body.(*truce.StateRoot).Size)
			}
		}
		from = recs[len(recs)-1].Index + 1
	}
	return nil
}

// rootsAhead is how many state root sizes beyond the log's the mirror
// records once it knows the interval.
const rootsAhead = 64

// learnRoot takes the size a state root covers as a multiple of the
// deployment's interval, which is the greatest common divisor of all such
// sizes, and asks the replay to record its digest at the next sizes.
func (mi *Mirror) learnRoot(size uint64) {
	if size == 0 {
		return
	}
	a, b := mi.interval, size
	for b != 0 {
		a, b = b, a%b
	}
	mi.interval = a
	for s := range mi.roots {
		if s <= size {
			delete(mi.roots, s)
		}
	}
	for k := uint64(1); k <= rootsAhead; k++ {
		mi.roots[size+k*mi.interval] = true
	}
}

// alert logs err and posts it to the webhook.
func (mi *Mirror) alert(ctx context.Context, err error) {
	msg := truce.ErrorMessage(err)
	mi.Logger.Error("ALERT", "server", mi.client.BaseURL, "origin", mi.verifier.Name(), "alert", msg)
	if mi.Webhook == "" {
		return
	}
	body, _ := json.Marshal(map[string]any{"alert": msg, "server": mi.client.BaseURL, "origin": mi.verifier.Name(), "size": mi.service.Applied()})
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, mi.Webhook, bytes.NewReader(body))
	if rerr != nil {
		mi.Logger.Error("webhook", "err", rerr)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, rerr := mi.HTTP.Do(req)
	if rerr != nil {
		mi.Logger.Error("webhook", "err", rerr)
		return
	}
	resp.Body.Close()
}

// serveGossip serves the mirror's gossip endpoint on addr.
func (mi *Mirror) serveGossip(addr string) (string, func() error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, truce.Errorf(truce.EINVALID, "Cannot listen on %s: %v.", addr, err)
	}
	srv := &http.Server{Handler: gossip.Handler(mi, mi.Logger), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() error { return srv.Close() }, nil
}
