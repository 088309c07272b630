package service

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// pollInterval bounds how long an entry appended by another writer of the
// log directory could wait; this process wakes the projector itself.
const pollInterval = time.Second

// project applies the log to the store until ctx ends.
func (s *Service) project(ctx context.Context) {
	defer close(s.done)
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("projector", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-ticker.C:
		}
	}
}

// CatchUp applies every integrated log entry beyond the projection. It
// reads and parses the next batch while it applies one: applying is
// mostly one core's work (the store, the engine), reading and parsing
// another's.
func (s *Service) CatchUp(ctx context.Context) error {
	var next *readAhead
	defer func() {
		if next != nil {
			<-next.done
		}
	}()
	for {
		size, err := s.log.IntegratedSize(ctx)
		if err != nil {
			return fmt.Errorf("log size: %w", err)
		}
		from := s.Applied()
		if from >= size {
			return nil
		}
		var sts []entry
		to := min(size, from+uint64(s.batch))
		if r := next; r != nil {
			next = nil
			<-r.done
			if r.from == from && r.err == nil {
				sts, to = r.entries, r.to
			}
		}
		if sts == nil {
			if sts, err = s.statements(ctx, from, to); err != nil {
				return err
			}
			s.preverify(sts)
		}
		if to < size {
			next = s.readAhead(ctx, to, min(size, to+uint64(s.batch)))
		}
		if err := s.applyRange(ctx, from, to, sts); err != nil {
			return err
		}
	}
}

// readAhead is a batch of entries being read in the background.
type readAhead struct {
	from, to uint64
	entries  []entry
	err      error
	done     chan struct{}
}

func (s *Service) readAhead(ctx context.Context, from, to uint64) *readAhead {
	r := &readAhead{from: from, to: to, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.entries, r.err = s.statements(ctx, from, to)
		if r.err == nil {
			s.preverify(r.entries)
		}
	}()
	return r
}

// applyRange applies sts, the entries [from, to), in one store
// transaction.
func (s *Service) applyRange(ctx context.Context, from, to uint64, sts []entry) error {
	seen, err := s.seen(ctx, sts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	batch, due, err := s.decide(from, sts, seen)
	if err == nil {
		err = s.store.Apply(ctx, batch)
	}
	if err != nil {
		// The authority has moved ahead of the store: rebuild it from what
		// the store holds, and let the next pass try again.
		s.mu.Unlock()
		rerr := s.restore(ctx)
		s.mu.Lock()
		if rerr != nil {
			return fmt.Errorf("apply [%d, %d): %w; restore: %v", from, to, err, rerr)
		}
		return fmt.Errorf("apply [%d, %d): %w", from, to, err)
	}
	s.pendingMu.Lock()
	for i := range s.pending { // the statements in flight: few
		if i < to {
			delete(s.pending, i)
		}
	}
	s.pendingMu.Unlock()
	for _, inc := range batch.Incidents {
		s.incidents.put(&inc)
	}
	if len(batch.Keys) > 0 || len(batch.Members) > 0 {
		s.snapshotAccess()
	}
	if s.live {
		s.appendRoots(due)
		s.publishBatch(from, sts, &batch)
	}
	s.applied = to
	close(s.advanced)
	s.advanced = make(chan struct{})
	return nil
}

// snapshotAccess records a copy of the state's members and keys for
// preverify, Authenticate and the webhooks. It
// runs before the batch's events are published, so that whoever reads an
// event and then checks a reader sees the state that made the event.
// Callers hold s.mu.
func (s *Service) snapshotAccess() {
	s.access.Store(s.state.Authority.Clone())
}

// entry is one log entry as the projector reads it: a statement, or the
// reason its bytes are not one. For a commitment, raw is the commitment,
// st the statement it resolved to, sealed is set, and id and kind are what
// it commits to.
type entry struct {
	raw    []byte
	st     *truce.Statement
	err    error
	sealed bool
	id     string
	kind   truce.Kind
}

// statements returns the entries [from, to), taking those this process
// appended from memory and reading the others from the log.
func (s *Service) statements(ctx context.Context, from, to uint64) ([]entry, error) {
	out := make([]entry, to-from)
	missing := false
	s.pendingMu.Lock()
	for i := range out {
		if st := s.pending[from+uint64(i)]; st != nil {
			out[i] = entry{raw: truce.Leaf(st), st: st, sealed: truce.Sealed(st.Payload.Kind)}
		} else {
			missing = true
		}
	}
	s.pendingMu.Unlock()
	if !missing {
		return out, nil
	}
	raws, err := s.log.Entries(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("read log entries [%d, %d): %w", from, to, err)
	}
	if err := s.resolveAll(ctx, from, out, raws); err != nil {
		return nil, err
	}
	return out, nil
}

// parseAll parses, on every core, envelopes that are not yet statements:
// during a replay, parsing is as costly as checking the signatures.
func parseAll(out []entry, raws [][]byte) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(out); i += workers {
				if out[i].st == nil {
					st, err := truce.ParseStatement(raws[i])
					out[i] = entry{raw: raws[i], st: st, err: err}
				}
			}
		})
	}
	wg.Wait()
}

// resolveAll parses, on every core, the log entries that are not yet
// statements, resolving commitments through the vault. It fails only if
// the vault does, or lacks a committed envelope: the projector must not
// decide without it.
func (s *Service) resolveAll(ctx context.Context, from uint64, out []entry, raws [][]byte) error {
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(out) && errs[w] == nil; i += workers {
				if out[i].st == nil {
					out[i], errs[w] = s.parse(ctx, from+uint64(i), raws[i])
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parse reads one log entry: an envelope, or a commitment, which it
// resolves to the envelope in the vault and checks against it.
func (s *Service) parse(ctx context.Context, index uint64, raw []byte) (entry, error) {
	kind, id, ok := truce.ParseCommitment(raw)
	if !ok {
		st, err := truce.ParseStatement(raw)
		return entry{raw: raw, st: st, err: err}, nil
	}
	e := entry{raw: raw, sealed: true, id: id, kind: kind}
	env, err := s.vault.Get(ctx, id)
	if truce.ErrorCode(err) == truce.ENOTFOUND {
		return e, fmt.Errorf("log entry %d commits to statement %s, which the vault does not hold: %w", index, id, err)
	}
	if err != nil {
		return e, fmt.Errorf("log entry %d: vault: %w", index, err)
	}
	st, err := truce.ParseStatement(env)
	switch {
	case err != nil:
		e.err = truce.Errorf(truce.EINVALID, "The vault's envelope for sealed statement %s is not a statement: %s", id, truce.ErrorMessage(err))
	case st.ID != id:
		e.err = truce.Errorf(truce.ECONFLICT, "The vault's envelope for sealed statement %s hashes to %s: it is not the committed statement.", id, st.ID)
	case st.Payload.Kind != kind:
		e.err = truce.Errorf(truce.ECONFLICT, "Sealed statement %s is committed as %s but its envelope is %s.", id, kind, st.Payload.Kind)
	default:
		e.st = st
	}
	return e, nil
}

// preverify checks, on every core, the signatures of keys already
// registered, so that the ordered pass under the lock only looks up
// verdicts. Keys registered inside the batch, or since the last batch was
// applied, are verified in that pass. It reads the keys from a snapshot,
// not the state, so that it can run while a batch is being applied.
func (s *Service) preverify(entries []entry) {
	keys := s.access.Load()
	if keys == nil {
		return // not restored yet: the ordered pass checks everything
	}
	type job struct {
		st  *truce.Statement
		id  string
		pub []byte
	}
	var jobs []job
	for _, e := range entries {
		if e.st == nil {
			continue
		}
		for _, sig := range e.st.Envelope.Signatures {
			if pub := keys.PublicKey(sig.KeyID); pub != nil {
				jobs = append(jobs, job{e.st, sig.KeyID, pub})
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(jobs); i += workers {
				jobs[i].st.Verify(jobs[i].id, jobs[i].pub)
			}
		})
	}
	wg.Wait()
}

// decide checks each entry against the state at its position, applies
// the accepted ones to the state, and returns the batch to store.
// Callers hold s.mu.
//
// Everything a statement changes is in place before the next is decided:
// the sites it declares are in the index the engine reads, so that the
// outcome does not depend on how the log is cut into batches. It returns
// the state roots due: the digests at each multiple of the interval.
func (s *Service) decide(from uint64, entries []entry, seen map[string]uint64) (truce.Batch, []truce.StateRoot, error) {
	var b truce.Batch
	var changes changes
	var due []truce.StateRoot
	for i, e := range entries {
		index := from + uint64(i)
		if e.st == nil {
			b.Records = append(b.Records, unreadable(index, e))
		} else {
			err := s.decideOne(e.st, index, seen, &changes)
			if err != nil && truce.ErrorCode(err) == truce.EINTERNAL {
				return b, nil, err
			}
			r := truce.NewRecord(e.st, index, err)
			r.Sealed = e.sealed
			b.Records = append(b.Records, r)
		}
		if r, ok := s.roots.at(index+1, s.engine); ok {
			due = append(due, r)
		}
	}
	changes.into(&b)
	return b, due, nil
}

// decideOne checks and applies one statement; the error is its verdict,
// unless it is internal.
func (s *Service) decideOne(st *truce.Statement, index uint64, seen map[string]uint64, changes *changes) error {
	err := replayed(st.ID, index, seen)
	if err == nil {
		err = s.state.Check(st)
	}
	if err == nil {
		err = s.engine.Check(st)
	}
	if err == nil {
		err = s.roots.check(st, index)
	}
	if err != nil {
		return err
	}
	ch := s.state.Apply(st, index)
	changes.add(ch)
	if err := s.indexSites(ch.Sites); err != nil {
		return err
	}
	incs, err := s.engine.Apply(st, index)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	changes.addIncidents(incs)
	return nil
}

// seen returns the first log index of each statement of the batch that the
// projection already holds.
func (s *Service) seen(ctx context.Context, entries []entry) (map[string]uint64, error) {
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.st != nil {
			ids = append(ids, e.st.ID)
		}
	}
	seen, err := s.store.Seen(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("look up statement ids: %w", err)
	}
	return seen, nil
}

// replayed returns an error if the statement id was logged before index,
// in the projection or earlier in the batch, and records it otherwise.
// The service never appends a statement twice; a log that holds one twice
// was written by someone else, and the copy must not take effect again.
func replayed(id string, index uint64, seen map[string]uint64) error {
	if first, ok := seen[id]; ok && first < index {
		return truce.Errorf(truce.ECONFLICT, "Statement %s is a replay of the one at log index %d.", id, first)
	}
	seen[id] = index
	return nil
}

// indexSites brings the spatial index up to date with changed sites.
func (s *Service) indexSites(sites []truce.SiteState) error {
	for i := range sites {
		if err := s.sites.Update(geo.SiteItem(&sites[i])); err != nil {
			return fmt.Errorf("index site %s: %w", sites[i].ID, err)
		}
	}
	return nil
}

// unreadable records an entry that is not a well-formed statement, or a
// commitment whose envelope in the vault is not the committed statement.
// Truce never appends one, but a log shared with other writers could hold
// one, and the projection must still cover every index. The record keeps
// the entry itself as its envelope, and a commitment's id and kind.
func unreadable(index uint64, e entry) truce.Record {
	r := truce.Record{
		Index: index, ID: truce.StatementID(e.raw), Envelope: e.raw,
		Status: truce.StatusRejected, Reason: truce.ErrorMessage(e.err),
	}
	if e.id != "" {
		r.ID, r.Kind = e.id, e.kind
	}
	return r
}
