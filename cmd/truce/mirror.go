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
// the tree, fetches the envelopes of the sealed ones from the server as a
// member and checks each against its commitment, replays them with this
// binary's engine, checks every state root against its own digest, and
// exchanges checkpoints with its gossip peers. Anything that does not hold
// is an alert: a log line, a POST to the webhook, and an ECONFLICT error
// from Sync.
type Mirror struct {
	// Server is the URL of the Truce server whose log to follow. Required.
	Server string
	// Dir holds the mirror's state (mirror.json), projection (mirror.db)
	// and the envelopes of sealed statements it fetched (vault.db).
	// Required.
	Dir string
	// VerifierKey is the log's key. Optional: without it, the key the
	// mirror trusted on first use, or else the server's, with a warning.
	VerifierKey string
	// Signer is the key of the member as whom the mirror reads the
	// envelopes of sealed statements, which the log holds as commitments:
	// a party's, the mediator's, a monitor's or the operator's, who read
	// every one. Optional; without it, Sync fails with EUNAUTHORIZED at the
	// first sealed entry, since the replay needs its statement.
	Signer *truce.Signer
	// Now is the clock of the tokens the mirror signs with Signer.
	// Optional; defaults to time.Now.
	Now func() time.Time
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
	vault    *sqlite.Vault
	service  *service.Service
	roots    map[uint64]bool // the sizes at which the replay records its digest
	interval uint64          // the state root interval, as far as learnt
	checked  uint64          // the replay's records before this index passed the checks
	saved    followerState   // the follower's state in mirror.json, to go back to after a failed round
	member   memberSession   // the server as Signer's member reads it
}

// mirrorState is DIR/mirror.json.
type mirrorState struct {
	Server       string             `json:"server"`
	VerifierKey  string             `json:"verifier_key"`
	Follower     tlog.FollowerState `json:"follower"`
	RootSizes    map[uint64]bool    `json:"root_sizes,omitempty"`
	RootInterval uint64             `json:"root_interval,omitempty"`
	// Checked is the index up to which the replay's records passed the
	// checks: a record that failed them is checked again, and alerts
	// again, on every Sync.
	Checked uint64 `json:"checked"`
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
	if mi.Now == nil {
		mi.Now = time.Now
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
	if mi.Signer != nil && mi.Signer.Log != "" && mi.Signer.Log != mi.verifier.Name() {
		return truce.Errorf(truce.EINVALID, "The key of %s is for the log %s; this mirror follows %s.", mi.Signer.Member, mi.Signer.Log, mi.verifier.Name())
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
	mi.saved = followerState{cp, st.Follower.Size, st.Follower.Range}
	mi.roots, mi.interval, mi.checked = st.RootSizes, st.RootInterval, st.Checked
	if mi.roots == nil {
		mi.roots = map[uint64]bool{}
	}
	if mi.vault, err = sqlite.OpenVault(filepath.Join(mi.Dir, "vault.db")); err != nil {
		return fmt.Errorf("open vault: %w", err)
	}
	if mi.store, err = sqlite.Open(filepath.Join(mi.Dir, "mirror.db")); err != nil {
		mi.vault.Close()
		return fmt.Errorf("open projection: %w", err)
	}
	mi.service, err = service.Open(ctx, service.Config{Log: &sealedLog{mi.follower, mi}, Store: mi.store, Vault: mi.vault,
		Logger: mi.Logger, StateRootInterval: mi.StateRootInterval, RootSizes: mi.roots})
	if err != nil {
		mi.Close()
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
	st := mirrorState{Server: mi.client.BaseURL, VerifierKey: mi.VerifierKey, RootSizes: mi.roots, RootInterval: mi.interval, Checked: mi.checked,
		Follower: tlog.FollowerState{Checkpoint: cp.Note, Size: size, Range: hashes}}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := writeFileAtomic(filepath.Join(mi.Dir, mirrorStateFile), append(data, '\n'), 0o600); err != nil {
		return err
	}
	mi.saved = followerState{cp, size, hashes}
	return nil
}

// followerState is a state of the follower to resume from.
type followerState struct {
	cp     truce.Checkpoint
	size   uint64
	hashes [][]byte
}

// Close closes the projection and the vault.
func (mi *Mirror) Close() error {
	var errs []error
	if mi.store != nil {
		errs = append(errs, mi.store.Close())
	}
	if mi.vault != nil {
		errs = append(errs, mi.vault.Close())
	}
	return errors.Join(errs...)
}

// Size returns how many entries the mirror has replayed and checked.
func (mi *Mirror) Size() uint64 { return mi.service.Applied() }

// Sync catches up with the log once. It returns an ECONFLICT error, after
// alerting, if the log is inconsistent; EUNAVAILABLE if the server cannot
// be read.
//
// A round that fails leaves the follower where the mirror last saved it,
// so that the next round reads again what this one read but did not apply
// (the projector reads a batch ahead, and the mirror may fail to fetch a
// batch's sealed statements after reading its entries).
func (mi *Mirror) Sync(ctx context.Context) error {
	err := mi.sync(ctx)
	if err == nil {
		return nil
	}
	if truce.ErrorCode(err) == truce.ECONFLICT {
		mi.alert(ctx, err)
	}
	if rerr := mi.follower.Reset(mi.saved.cp, mi.saved.size, mi.saved.hashes); rerr != nil {
		return errors.Join(err, rerr)
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
	if err := mi.follower.Advance(ctx, cp); err != nil {
		return err
	}
	if err := mi.service.CatchUp(ctx); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if err := mi.checkRecords(ctx, mi.checked, cp.Size); err != nil {
		return err
	}
	mi.checked = cp.Size
	if err := mi.saveState(); err != nil {
		return err
	}
	mi.Logger.Info("mirror in sync", "size", cp.Size, "roots_checked", mi.service.RootsChecked())
	return mi.gossip(ctx, cp)
}

// checkRecords alerts on a record in [from, to) that this replay
// rejected in a way an honest log never makes it: a state root whose
// digest differs from the mirror's own, or a commitment that does not
// resolve to a statement of its kind (the envelope, which hashes to the
// committed id, is not a statement of the committed kind). It also learns
// the deployment's state root interval from the roots it sees, so that the
// replay records its digest at the sizes the next roots cover.
func (mi *Mirror) checkRecords(ctx context.Context, from, to uint64) error {
	for from < to {
		recs, err := mi.store.Statements(ctx, from, 1000)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if r.Status == truce.StatusRejected {
				if _, id, ok := truce.ParseCommitment(r.Envelope); ok {
					return truce.Errorf(truce.ECONFLICT, "Log entry %d, a commitment to sealed statement %s, does not resolve to a %s: %s", r.Index, id, r.Kind, r.Reason)
				}
			}
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
