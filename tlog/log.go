package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/storage/posix"
	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

var _ truce.Log = (*Log)(nil)

// Log is a transparency log in a local directory, written by Tessera's POSIX
// driver. Its methods are safe for concurrent use.
type Log struct {
	dir      string
	origin   string
	verifier note.Verifier
	logger   *slog.Logger
	lock     *os.File

	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	awaiter  *tessera.PublicationAwaiter
	cancel   context.CancelFunc // stops Tessera's background tasks

	// mu guards closed, and orders inflight.Add before Close's Wait.
	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // Appends that passed the closed check

	cpMu   sync.Mutex
	cpLast truce.Checkpoint // the last checkpoint verified, to verify each once

	proofs proofCache

	// witnesses cosign each checkpoint before it is published (witness.go).
	witnesses witnessSet
}

// Open opens the log in cfg.Dir, creating it if the directory holds none and
// resuming it otherwise, and starts Tessera's sequencing and publishing. The
// log stays locked to this Log until Close.
//
// Returns ECONFLICT if another Log holds the directory, and an error if the
// directory's checkpoint is not signed by cfg.Signer's key for its origin,
// which would otherwise splice two logs together.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	l := &Log{
		dir:      cfg.Dir,
		origin:   cfg.Signer.Name(),
		verifier: cfg.Verifier,
		logger:   cfg.Logger,
		lock:     lock,
	}
	if err := l.start(ctx, cfg); err != nil {
		lock.Close()
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	size, err := l.IntegratedSize(ctx)
	if err != nil {
		l.Close(ctx)
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	l.logger.InfoContext(ctx, "opened log", "dir", l.dir, "origin", l.origin, "size", size)
	return l, nil
}

// start checks that an existing log is ours, then starts Tessera's appender
// and the awaiter that Append blocks on.
func (l *Log) start(ctx context.Context, cfg Config) error {
	if err := l.checkExisting(); err != nil {
		return err
	}
	// Tessera's background tasks must outlive Open's ctx, which may be a
	// startup deadline; Close cancels them instead.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	driver, err := posix.New(runCtx, posix.Config{Path: cfg.Dir})
	if err != nil {
		cancel()
		return fmt.Errorf("create tessera posix driver: %w", err)
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(cfg.Signer).
		WithBatching(cfg.BatchMaxSize, cfg.BatchMaxAge).
		WithCheckpointInterval(cfg.CheckpointInterval).
		WithWitnesses(l.tesseraWitnesses(cfg.WitnessTimeout))
	appender, shutdown, reader, err := tessera.NewAppender(runCtx, driver, opts)
	if err != nil {
		cancel()
		return fmt.Errorf("start tessera appender: %w", err)
	}
	l.appender, l.shutdown, l.reader, l.cancel = appender, shutdown, reader, cancel
	l.awaiter = tessera.NewPublicationAwaiter(runCtx, reader.ReadCheckpoint, pollInterval)
	return nil
}

// checkExisting refuses a directory whose checkpoint another key or origin
// signed. Tessera would carry on and sign the old tree under the new name.
func (l *Log) checkExisting() error {
	raw, err := os.ReadFile(filepath.Join(l.dir, layout.CheckpointPath))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read existing checkpoint: %w", err)
	}
	if _, err := VerifyCheckpoint(raw, l.verifier); err != nil {
		return fmt.Errorf("the existing checkpoint is not this log's (origin %q): %w", l.origin, err)
	}
	return nil
}

// Origin returns the log's origin, its signer's name.
func (l *Log) Origin() string { return l.origin }

// Dir returns the absolute path of the log directory. Serve it read-only,
// except for its .state subdirectory, to publish the log.
func (l *Log) Dir() string { return l.dir }

// Append adds entry to the log and returns once a published checkpoint
// includes it: its index and that checkpoint. Concurrent Appends are batched
// together; their order in the log is the order Tessera sequenced them.
// Tessera does not deduplicate: the same bytes twice are two entries.
//
// Returns ETOOLARGE for an entry over truce.MaxEntrySize and EUNAVAILABLE
// when the log pushes back or is closed. If ctx ends first, Append returns
// its error, but the entry may still be appended and published.
func (l *Log) Append(ctx context.Context, entry []byte) (uint64, truce.Checkpoint, error) {
	return l.AppendNotify(ctx, entry, nil)
}

// AppendNotify is Append, and calls integrated, if not nil, with the
// entry's index as soon as the log has made the entry durable and part of
// the tree: up to a checkpoint interval before a published checkpoint
// covers it and Append returns. The service uses it to project an entry
// while the checkpoint is being published.
func (l *Log) AppendNotify(ctx context.Context, entry []byte, integrated func(index uint64)) (uint64, truce.Checkpoint, error) {
	if len(entry) > truce.MaxEntrySize {
		return 0, truce.Checkpoint{}, truce.Errorf(truce.ETOOLARGE, "The entry is %d bytes; the log takes at most %d.", len(entry), truce.MaxEntrySize)
	}
	if !l.enter() {
		return 0, truce.Checkpoint{}, truce.Errorf(truce.EUNAVAILABLE, "The log is shutting down.")
	}
	defer l.inflight.Done()
	// Tessera holds the slice until its batch is written, which can be after
	// a cancelled ctx has handed the caller's buffer back.
	future := l.appender.Add(ctx, tessera.NewEntry(bytes.Clone(entry)))
	if integrated != nil {
		// The POSIX driver resolves a future once the entry is integrated.
		idx, err := future()
		if err != nil {
			return 0, truce.Checkpoint{}, appendError(err)
		}
		integrated(idx.Index)
		future = func() (tessera.Index, error) { return idx, nil }
	}
	idx, raw, err := l.awaiter.Await(ctx, future)
	if err != nil {
		return 0, truce.Checkpoint{}, appendError(err)
	}
	cp, err := l.verified(raw)
	if err != nil {
		return 0, truce.Checkpoint{}, err
	}
	if cp.Size <= idx.Index {
		return 0, truce.Checkpoint{}, fmt.Errorf("append: checkpoint of size %d does not cover index %d", cp.Size, idx.Index)
	}
	return idx.Index, cp, nil
}

// enter registers an Append unless the log is closed.
func (l *Log) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.inflight.Add(1)
	return true
}

// appendError codes Tessera's pushback, which asks the writer to come back
// later, and wraps everything else.
func appendError(err error) error {
	if errors.Is(err, tessera.ErrPushback) {
		return truce.Errorf(truce.EUNAVAILABLE, "The log is busy; retry shortly.")
	}
	return fmt.Errorf("append: %w", err)
}

// Checkpoint returns the latest published checkpoint, verified with the
// log's key. Returns ENOTFOUND if none has been published yet; Tessera
// publishes an empty tree's checkpoint when it creates a log, so that is
// rare.
func (l *Log) Checkpoint(ctx context.Context) (truce.Checkpoint, error) {
	raw, err := l.reader.ReadCheckpoint(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return truce.Checkpoint{}, truce.Errorf(truce.ENOTFOUND, "The log has not published a checkpoint yet.")
	}
	if err != nil {
		return truce.Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	return l.verified(raw)
}

// verified returns the checkpoint in raw after checking its signature. A
// whole batch of Appends returns the same checkpoint, so the last one is
// remembered and verified once.
func (l *Log) verified(raw []byte) (truce.Checkpoint, error) {
	l.cpMu.Lock()
	defer l.cpMu.Unlock()
	if !bytes.Equal(raw, l.cpLast.Note) {
		cp, err := VerifyCheckpoint(raw, l.verifier)
		if err != nil {
			return truce.Checkpoint{}, fmt.Errorf("the log's own checkpoint does not verify: %w", err)
		}
		l.cpLast = cp
	}
	return cloneCheckpoint(l.cpLast), nil
}

// cloneCheckpoint copies cp so that callers can keep or change what they get.
func cloneCheckpoint(cp truce.Checkpoint) truce.Checkpoint {
	return truce.Checkpoint{Size: cp.Size, Hash: bytes.Clone(cp.Hash), Note: bytes.Clone(cp.Note)}
}

// IntegratedSize returns the number of entries in the tree on disk, which
// may be ahead of the latest checkpoint: entries past the checkpoint are
// durable and readable here but not yet public.
func (l *Log) IntegratedSize(ctx context.Context) (uint64, error) {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("read integrated size: %w", err)
	}
	return size, nil
}

// Close stops taking entries, waits for the Appends under way to return,
// asks Tessera to publish a checkpoint covering everything it sequenced,
// then stops Tessera's background tasks and releases the directory. Reads
// keep working from the files; Append returns EUNAVAILABLE. Close is
// idempotent.
//
// If ctx ends first, Close still stops the log and releases it, and returns
// ctx's error. Entries already sequenced are on disk and the next Open
// publishes them; entries still batching in memory are dropped, and the
// Appends waiting for them never return.
func (l *Log) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()

	err := l.drain(ctx)
	if err == nil {
		err = l.shutdown(ctx)
	}
	l.cancel()
	if errLock := l.lock.Close(); errLock != nil {
		err = errors.Join(err, fmt.Errorf("release lock: %w", errLock))
	}
	if err != nil {
		return fmt.Errorf("close log %s: %w", l.dir, err)
	}
	l.logger.InfoContext(ctx, "closed log", "dir", l.dir)
	return nil
}

// drain waits for the Appends under way. Tessera's futures ignore contexts
// and would never resolve once its tasks are cancelled, so they must finish
// before Close cancels them.
func (l *Log) drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		l.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for appends: %w", ctx.Err())
	}
}

// AppendAll adds entries in the order given and returns, once a published
// checkpoint includes the last, their indexes and that checkpoint. The
// entries are queued together, so that the log writes them in as few
// batches and checkpoints as it can: a deployment's first statements take
// one checkpoint interval, not one each. On error, a prefix of the entries
// may have been appended.
func (l *Log) AppendAll(ctx context.Context, entries [][]byte) ([]uint64, truce.Checkpoint, error) {
	for i, e := range entries {
		if len(e) > truce.MaxEntrySize {
			return nil, truce.Checkpoint{}, truce.Errorf(truce.ETOOLARGE, "Entry %d is %d bytes; the log takes at most %d.", i, len(e), truce.MaxEntrySize)
		}
	}
	if len(entries) == 0 {
		cp, err := l.Checkpoint(ctx)
		return nil, cp, err
	}
	if !l.enter() {
		return nil, truce.Checkpoint{}, truce.Errorf(truce.EUNAVAILABLE, "The log is shutting down.")
	}
	defer l.inflight.Done()
	// Tessera sequences Add calls in the order they return.
	futures := make([]tessera.IndexFuture, len(entries))
	for i, e := range entries {
		futures[i] = l.appender.Add(ctx, tessera.NewEntry(bytes.Clone(e)))
	}
	indexes := make([]uint64, len(entries))
	for i, f := range futures[:len(futures)-1] {
		idx, err := f()
		if err != nil {
			return nil, truce.Checkpoint{}, appendError(err)
		}
		indexes[i] = idx.Index
	}
	last, raw, err := l.awaiter.Await(ctx, futures[len(futures)-1])
	if err != nil {
		return nil, truce.Checkpoint{}, appendError(err)
	}
	indexes[len(indexes)-1] = last.Index
	cp, err := l.verified(raw)
	if err != nil {
		return nil, truce.Checkpoint{}, err
	}
	if cp.Size <= last.Index {
		return nil, truce.Checkpoint{}, fmt.Errorf("append: checkpoint of size %d does not cover index %d", cp.Size, last.Index)
	}
	return indexes, cp, nil
}
