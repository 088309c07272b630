// Package service is Truce's write path and projector: it checks a
// statement, appends it to the log, applies the log to the projection in
// log order, and answers reads from the projection.
//
// # The write path
//
// Submit parses the envelope, refuses a claimed time too far ahead, checks
// the signer's authority against the projection, appends the statement's
// leaf to the log (its canonical envelope, or for a kind that only members
// may read, a commitment to it, after the envelope is durable in the
// vault) and waits until a published checkpoint includes it
// and the projector has applied it. Only then is the statement
// acknowledged. Identical submissions are collapsed: the second waits for
// the first and gets the same receipt, and the log holds one entry.
//
// # The projector
//
// One goroutine applies the log to the store in order, in batches, checking
// each statement again against the authority at its own position. A
// statement that turned out invalid there is recorded as rejected and
// ignored, so a replay gives the same projection. A commitment is resolved
// to its envelope, from memory if this process appended it, otherwise from
// the vault; an envelope that does not hash to the committed id, or is not
// of the committed kind, is recorded as rejected. On Open, the projector
// first catches up with whatever the log holds beyond the projection, which
// is how a crash between append and apply loses nothing.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/geo"
)

// MaxClockSkew is how far ahead of the server's clock a statement's claimed
// time may be.
const MaxClockSkew = 5 * time.Minute

// Config configures a Service.
type Config struct {
	// Log is the transparency log. Required.
	Log truce.Log
	// Store is the projection. Required.
	Store truce.Store
	// Vault keeps the envelopes of sealed statements, whose log entries are
	// commitments (see truce.Leaf): Submit puts an envelope there before it
	// appends the commitment, and the projector reads it back by id.
	// Optional; defaults to a truce.MemoryVault, which a restart loses, so
	// a deployment must give one that lasts (sqlite.OpenVault).
	Vault truce.Vault
	// Logger receives operational logs. Optional; defaults to discarding.
	Logger *slog.Logger
	// Now is the clock for the claimed-time check. Optional; defaults to time.Now.
	Now func() time.Time
	// BatchSize is the most log entries the projector applies in one
	// transaction. Optional; defaults to 8192, which measured a fifth
	// faster than 1024 for a replay of 200,000 reports.
	BatchSize int
	// Operator signs the state roots the service appends. Optional: without
	// it the service appends none.
	Operator *truce.Signer
	// StateRootInterval is how many log entries lie between two state
	// roots. Optional; defaults to DefaultStateRootInterval.
	StateRootInterval uint64
	// RootSizes are further log sizes at which to record the digest, so
	// that an audit can check state roots made at another interval.
	// Optional.
	RootSizes map[uint64]bool
	// FeedBuffer is how many recent events the live feed holds, for
	// subscribers that resume or fall behind. Optional; defaults to
	// DefaultFeedBuffer.
	FeedBuffer int
	// Webhooks keeps webhook registrations. Optional: without it, or
	// without Operator to sign deliveries, the service refuses them.
	Webhooks truce.WebhookStore
	// Deliver configures webhook deliveries. Optional.
	Deliver DeliveryConfig
}

// DefaultStateRootInterval is the default number of log entries between
// two state roots.
const DefaultStateRootInterval = 1000

// Service implements truce.Ledger.
type Service struct {
	log    truce.Log
	store  truce.Store
	vault  truce.Vault
	logger *slog.Logger
	now    func() time.Time
	batch  int

	// mu guards state, applied and advanced.
	mu    sync.RWMutex
	state *truce.State
	// sites indexes the registry's sites by place; it has its own lock.
	sites *geo.Index[string]
	// engine derives incidents from reports; incidents indexes them by time
	// for queries.
	engine    *engine.Engine
	incidents *incidentIndex
	// roots holds the digests the projector computed at multiples of the
	// state root interval, to check state.root statements against.
	roots roots
	// tokens remembers verified bearer tokens: see Authenticate.
	tokens tokenCache
	// access is a copy of the state's members and keys, replaced whenever
	// a batch changes them, so that checking a token, which every feed
	// stream does before each write, never waits for the projector.
	access atomic.Pointer[truce.Authority]
	// applied is the projection's size: the next log index to apply.
	applied uint64
	// advanced is closed and replaced each time applied grows.
	advanced chan struct{}
	// pending holds statements this process appended and has not applied
	// yet, so the projector need not read them back nor verify them again.
	// It has its own lock, so that reading ahead does not wait for the
	// batch being applied.
	pendingMu sync.Mutex
	pending   map[uint64]*truce.Statement

	inflight inflight
	operator *truce.Signer
	// live is set once Open has caught up: only then does the projector
	// append state roots, so a restart does not append them twice.
	live bool
	wake chan struct{}
	// feed holds the recent events; deadlines the reply deadlines to come
	// (under mu), and deadlineWake wakes their watcher.
	feed         *hub
	deadlines    deadlines
	deadlineWake chan struct{}
	hooks        *hooks
	stop         context.CancelFunc
	done         chan struct{}
}

var _ truce.Ledger = (*Service)(nil)

// Open returns a service whose projection has caught up with the log, with
// its projector running. Call Close to stop it.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	s := &Service{
		log: cfg.Log, store: cfg.Store, vault: cfg.Vault, logger: cfg.Logger, now: cfg.Now, batch: cfg.BatchSize,
		operator: cfg.Operator, roots: roots{interval: cfg.StateRootInterval, extra: cfg.RootSizes, digests: map[uint64][32]byte{}},
		advanced: make(chan struct{}), pending: map[uint64]*truce.Statement{},
		inflight: inflight{calls: map[string]*call{}}, wake: make(chan struct{}, 1), done: make(chan struct{}),
		feed: newHub(cfg.FeedBuffer), deadlineWake: make(chan struct{}, 1),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.vault == nil {
		s.vault = truce.NewMemoryVault()
	}
	if s.batch <= 0 {
		s.batch = 8192
	}
	if s.roots.interval == 0 {
		s.roots.interval = DefaultStateRootInterval
	}
	if err := s.restore(ctx); err != nil {
		return nil, err
	}
	if err := s.CatchUp(ctx); err != nil {
		return nil, fmt.Errorf("replay log into projection: %w", err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	s.mu.Lock()
	s.live = true
	s.startFeed(runCtx)
	s.mu.Unlock()
	if err := s.openHooks(ctx, runCtx, cfg); err != nil {
		stop()
		return nil, err
	}
	go s.project(runCtx)
	return s, nil
}

// restore loads the state and size the store holds, and indexes the sites.
func (s *Service) restore(ctx context.Context) error {
	size, err := s.store.Size(ctx)
	if err != nil {
		return fmt.Errorf("projection size: %w", err)
	}
	state, err := loadState(ctx, s.store, s.log.Origin())
	if err != nil {
		return err
	}
	sites := state.Registry.Sites()
	items := make([]geo.Item[string], len(sites))
	for i := range sites {
		items[i] = geo.SiteItem(&sites[i])
	}
	index := geo.NewIndex[string]()
	if err := index.Build(items); err != nil {
		return fmt.Errorf("index sites: %w", err)
	}
	eng, incidents, err := restoreEngine(ctx, s.store, state, index)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.state, s.sites, s.applied = state, index, size
	s.snapshotAccess()
	s.engine, s.incidents = eng, incidents
	s.mu.Unlock()
	return nil
}

// restoreEngine rebuilds the engine from the incidents the store holds and
// gives it their reports, and indexes the incidents for queries.
func restoreEngine(ctx context.Context, store truce.Store, state *truce.State, sites *geo.Index[string]) (*engine.Engine, *incidentIndex, error) {
	incidents, err := store.Incidents(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load incidents: %w", err)
	}
	eng, err := engine.Restore(state.Terms, state.Registry, sites, incidents)
	if err != nil {
		return nil, nil, fmt.Errorf("restore incidents: %w", err)
	}
	eng.UseAuthority(state.Authority)
	if err := recallReports(ctx, store, eng); err != nil {
		return nil, nil, err
	}
	index := newIncidentIndex()
	for i := range incidents {
		inc, _ := eng.Incident(incidents[i].ID)
		index.put(&inc)
	}
	return eng, index, nil
}

// recallReports gives eng the report statements the store holds, parsed
// on every core in batches: a restart at a million reports spends most of
// its time parsing them.
func recallReports(ctx context.Context, store truce.Store, eng *engine.Engine) error {
	const batch = 8192
	envs := make([][]byte, 0, batch)
	recall := func() error {
		out := make([]entry, len(envs))
		parseAll(out, envs)
		for _, e := range out {
			if e.err != nil {
				return fmt.Errorf("parse stored report: %w", e.err)
			}
			if err := eng.Recall(e.st); err != nil && truce.ErrorCode(err) != truce.ENOTFOUND {
				return fmt.Errorf("recall report %s: %w", e.st.ID, err)
			}
		}
		envs = envs[:0]
		return nil
	}
	err := store.Envelopes(ctx, truce.KindReport, func(env []byte) error {
		envs = append(envs, env)
		if len(envs) < batch {
			return nil
		}
		return recall()
	})
	if err != nil {
		return err
	}
	return recall()
}

// loadState reads the persisted state of the log from the store.
func loadState(ctx context.Context, store truce.Store, origin string) (*truce.State, error) {
	members, err := store.Members(ctx)
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	keys, err := store.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	charter, err := store.Charter(ctx)
	if err != nil {
		return nil, fmt.Errorf("load charter: %w", err)
	}
	auth, err := truce.RestoreAuthority(origin, charter, members, keys)
	if err != nil {
		return nil, fmt.Errorf("restore authority: %w", err)
	}
	if err := restoreRules(ctx, store, auth); err != nil {
		return nil, err
	}
	agreements, err := store.Agreements(ctx)
	if err != nil {
		return nil, fmt.Errorf("load agreements: %w", err)
	}
	sites, err := store.Sites(ctx)
	if err != nil {
		return nil, fmt.Errorf("load sites: %w", err)
	}
	reports, err := store.Reports(ctx)
	if err != nil {
		return nil, fmt.Errorf("load reports: %w", err)
	}
	bulletins, err := store.Bulletins(ctx)
	if err != nil {
		return nil, fmt.Errorf("load bulletins: %w", err)
	}
	return &truce.State{Authority: auth, Terms: truce.RestoreTerms(agreements), Registry: truce.RestoreRegistry(sites),
		Reports: truce.RestoreReports(reports), Bulletins: truce.RestoreBulletins(bulletins)}, nil
}

// restoreRules gives auth the body of its charter in force, which the
// store keeps as that statement's envelope.
func restoreRules(ctx context.Context, store truce.Store, auth *truce.Authority) error {
	if auth.Charter() == "" {
		return nil
	}
	rec, err := store.Statement(ctx, auth.Charter())
	if err != nil {
		return fmt.Errorf("load charter %s: %w", auth.Charter(), err)
	}
	st, err := truce.ParseStatement(rec.Envelope)
	if err != nil {
		return fmt.Errorf("parse charter %s: %w", auth.Charter(), err)
	}
	return auth.RestoreRules(st)
}

// Close stops the projector. It does not close the log or the store.
func (s *Service) Close() error {
	s.stop()
	<-s.done
	s.hooks.wait()
	return nil
}

// Applied returns the projection's size.
func (s *Service) Applied() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.applied
}
