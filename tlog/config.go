package tlog

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Defaults for the optional fields of [Config]. They favour receipt latency
// over storage efficiency: Truce acknowledges a statement only once a
// published checkpoint includes it, so these durations are spent inside every
// write request.
const (
	// DefaultBatchMaxSize is the width of an entry bundle, so that under load
	// a batch fills whole bundles rather than rewriting a partial one.
	DefaultBatchMaxSize = 256

	// DefaultBatchMaxAge is how long the first entry of a batch waits for
	// company. Every millisecond of it is added to every Append, idle or
	// busy, while it buys little: under load, writers waiting for the same
	// checkpoint arrive together and fill a batch anyway, and the
	// checkpoint interval, not the number of integrations, bounds the rate
	// of checkpoints. On a 2-core VM, the median Append to an idle log took
	// 15 to 25 ms with 2 to 10 ms here and 35 ms with 20 ms; to a busy log,
	// 113 to 125 ms against 134 ms with 20 ms and 166 ms with 50 ms. The
	// cost of a short age is more, smaller integrations (a few fsyncs each)
	// under a trickle of writes.
	DefaultBatchMaxAge = 5 * time.Millisecond

	// DefaultCheckpointInterval is the minimum the POSIX driver allows. The
	// driver publishes right after an integration if the last checkpoint is
	// at least this old, and otherwise tries again this much later. So an
	// Append to an idle log is published at once, but under load, or from a
	// writer that waits for each Append before the next, every Append waits
	// about one interval: such a writer manages some nine Appends a second.
	DefaultCheckpointInterval = 100 * time.Millisecond
)

// pollInterval is how often Append's awaiter rereads the checkpoint file.
// It adds at most this much to every Append, and costs one small file read
// per tick, even when the log is idle.
const pollInterval = 10 * time.Millisecond

// Config configures [Open].
type Config struct {
	// Dir is the directory of the log: Tessera's POSIX driver writes the
	// tiles, entry bundles and the checkpoint file there, and its private
	// state under Dir/.state. Serve Dir read-only (without .state, which
	// holds nothing secret but nothing public either) to publish the log.
	// It is created if missing. Required.
	Dir string

	// Signer signs checkpoints. Its Name is the log's origin, the first line
	// of every checkpoint, and must not change over the life of a log.
	// Required; see [NewSigner].
	Signer note.Signer

	// Verifier checks the log's own checkpoints before Open, Append and
	// Checkpoint trust them, so that a checkpoint file altered on disk is
	// reported rather than handed out. Optional when Signer came from
	// [NewSigner], which knows its verifier; required otherwise.
	Verifier note.Verifier

	// BatchMaxSize is the most entries Tessera sequences in one batch.
	// Optional; defaults to [DefaultBatchMaxSize].
	BatchMaxSize uint

	// BatchMaxAge is the longest an entry waits in memory before its batch
	// is sequenced. Optional; defaults to [DefaultBatchMaxAge].
	BatchMaxAge time.Duration

	// CheckpointInterval is the least time between two published
	// checkpoints. Optional; defaults to [DefaultCheckpointInterval], which
	// is also the smallest value the POSIX driver accepts.
	CheckpointInterval time.Duration

	// WitnessTimeout is the longest the log waits for witnesses'
	// cosignatures before it publishes a checkpoint without the quorum.
	// Optional; defaults to [DefaultWitnessTimeout]. See [Log.SetWitnesses].
	WitnessTimeout time.Duration

	// Logger receives what this package has to say about opening and
	// closing the log. Optional; defaults to discarding. Tessera itself logs
	// through klog to standard error, which this package does not redirect.
	Logger *slog.Logger
}

// withDefaults returns cfg with the optional fields filled in and Dir made
// absolute, or an error naming the field to fix.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Dir == "" {
		return cfg, errors.New("tlog: Config.Dir is empty: set it to the directory that holds, or will hold, the log")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return cfg, fmt.Errorf("tlog: resolve log directory %q: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	if cfg.Signer == nil {
		return cfg, errors.New("tlog: Config.Signer is nil: load the log's signing key with tlog.NewSigner")
	}
	if cfg.Verifier == nil {
		cfg.Verifier, err = verifierOf(cfg.Signer)
		if err != nil {
			return cfg, err
		}
	}
	if err := checkKeyPair(cfg.Signer, cfg.Verifier); err != nil {
		return cfg, err
	}
	if cfg.BatchMaxSize == 0 {
		cfg.BatchMaxSize = DefaultBatchMaxSize
	}
	if cfg.BatchMaxAge == 0 {
		cfg.BatchMaxAge = DefaultBatchMaxAge
	}
	if cfg.CheckpointInterval == 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.CheckpointInterval < DefaultCheckpointInterval {
		return cfg, fmt.Errorf("tlog: Config.CheckpointInterval %v is below the POSIX driver's minimum of %v", cfg.CheckpointInterval, DefaultCheckpointInterval)
	}
	if cfg.WitnessTimeout == 0 {
		cfg.WitnessTimeout = DefaultWitnessTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// verifierOf returns the verifier that a signer from NewSigner carries.
func verifierOf(s note.Signer) (note.Verifier, error) {
	if ks, ok := s.(*keySigner); ok {
		return ks.verifier, nil
	}
	return nil, errors.New("tlog: Config.Verifier is nil and Config.Signer did not come from tlog.NewSigner: set Verifier to the log's public key (tlog.NewVerifier)")
}

// checkKeyPair signs and verifies a message, so that a verifier for another
// key fails Open instead of every Append that follows.
func checkKeyPair(s note.Signer, v note.Verifier) error {
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		return fmt.Errorf("tlog: Config.Verifier is for %s+%08x but Config.Signer is %s+%08x", v.Name(), v.KeyHash(), s.Name(), s.KeyHash())
	}
	msg := []byte("tlog key pair check\n")
	sig, err := s.Sign(msg)
	if err != nil {
		return fmt.Errorf("tlog: sign with Config.Signer: %w", err)
	}
	if !v.Verify(msg, sig) {
		return fmt.Errorf("tlog: Config.Verifier does not verify Config.Signer's signatures although both are %s+%08x", s.Name(), s.KeyHash())
	}
	return nil
}
