// Package witness is a transparency log witness speaking [C2SP
// tlog-witness]: it cosigns a log's checkpoint, with a [C2SP
// tlog-cosignature], only if the checkpoint is signed by the log's key and
// is consistent with the latest checkpoint it cosigned for that log before,
// which it keeps durably. Truce's charter names one witness per party and
// the mediator; each runs "truce witness" on its own machine.
//
// # Protocol
//
//	POST /add-checkpoint   "old SIZE\n", consistency proof lines, "\n", the checkpoint
//
// answers 200 with the cosignature line, or per the specification: 400 for
// a malformed body or an old size beyond the checkpoint's, 403 when no
// signature of the log's key verifies, 404 for a log it does not witness,
// 409 with the size it holds (Content-Type text/x.tlog.size) when the
// client's old size is not that, 409 for a checkpoint of the same size
// with another root hash, and 422 when the consistency proof does not
// check. Errors other than the size answer are RFC 9457 problem documents.
//
// The check against the stored checkpoint and the write of the new one
// are one step under a lock, and the new state is on disk (written to a
// temporary file, synced and renamed) before the cosignature is returned,
// so a witness that crashes never cosigns a rollback.
//
// A refused checkpoint that carries the log's valid signature is evidence
// that the log forked or rewrote its history: the witness keeps it
// (Conflicts) and logs it.
//
// [C2SP tlog-witness]: https://c2sp.org/tlog-witness
// [C2SP tlog-cosignature]: https://c2sp.org/tlog-cosignature
package witness

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Config configures [Open].
type Config struct {
	// Signer makes the witness's cosignatures: a cosignature/v1 signer from
	// [NewSigner]. Required.
	Signer note.Signer
	// Logs are the logs the witness cosigns, each by its verifier key in
	// the signed-note format, whose name is the log's origin. Required.
	Logs []string
	// Dir holds the witness's state: the latest checkpoint it cosigned for
	// each log, and the conflicting checkpoints it refused. It is created
	// if missing, and locked for the life of the Witness. Required.
	Dir string
	// Logger receives a line for each refused checkpoint. Optional.
	Logger *slog.Logger
}

// Witness cosigns checkpoints. Its methods are safe for concurrent use.
type Witness struct {
	signer note.Signer
	logs   map[string]note.Verifier
	store  *store
	logger *slog.Logger

	// mu makes each check of the stored checkpoint and the write of the
	// next one a single step.
	mu sync.Mutex
}

// Open opens the witness's state in cfg.Dir. Returns an error naming the
// field to fix for a bad Config, and one if another Witness holds Dir.
func Open(cfg Config) (*Witness, error) {
	if cfg.Signer == nil {
		return nil, errors.New("witness: Config.Signer is nil: load the witness key with witness.NewSigner")
	}
	if len(cfg.Logs) == 0 {
		return nil, errors.New("witness: Config.Logs is empty: name at least one log's verifier key")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Witness{signer: cfg.Signer, logs: map[string]note.Verifier{}, logger: cfg.Logger}
	for _, k := range cfg.Logs {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("witness: log key %q: %w", k, err)
		}
		w.logs[v.Name()] = v
	}
	s, err := openStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	w.store = s
	return w, nil
}

// Close releases the state directory.
func (w *Witness) Close() error { return w.store.close() }

// Name returns the witness's key name.
func (w *Witness) Name() string { return w.signer.Name() }

// AddCheckpoint checks r and, if it holds, records its checkpoint as the
// latest cosigned for its log and returns the cosignature lines. Errors
// are *Error with the status the specification asks for.
func (w *Witness) AddCheckpoint(r *Request) ([]byte, error) {
	v, cp, err := w.open(r.Checkpoint)
	if err != nil {
		return nil, err
	}
	if r.OldSize > cp.Size {
		return nil, badRequest("The old size %d is larger than the checkpoint's %d.", r.OldSize, cp.Size)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	latest, err := w.store.latest(cp.Origin)
	if err != nil {
		return nil, err
	}
	if err := w.checkConsistent(latest, r, cp); err != nil {
		// A client that guessed the old size wrong is not evidence of
		// anything; another tree is.
		if e, ok := err.(*Error); ok && e.Size == nil {
			w.refuse(cp.Origin, r.Checkpoint, err)
		}
		return nil, err
	}
	sig, err := w.cosign(r.Checkpoint, v)
	if err != nil {
		return nil, err
	}
	next := &state{Origin: cp.Origin, Size: cp.Size, Hash: cp.Hash, Checkpoint: string(withSignature(r.Checkpoint, v, sig))}
	if err := w.store.put(next); err != nil {
		return nil, fmt.Errorf("persist checkpoint: %w", err)
	}
	return sig, nil
}

// open verifies the log's signature on raw and parses the checkpoint.
func (w *Witness) open(raw []byte) (note.Verifier, *log.Checkpoint, error) {
	origin, _, _ := strings.Cut(string(raw), "\n")
	v, ok := w.logs[origin]
	if !ok {
		return nil, nil, errorf(404, "not_found", "This witness does not witness the log %q.", origin)
	}
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		if errors.As(err, new(*note.UnverifiedNoteError)) || errors.As(err, new(*note.InvalidSignatureError)) {
			return nil, nil, errorf(403, "forbidden", "No signature on the checkpoint verifies with the key of log %q.", origin)
		}
		return nil, nil, badRequest("The checkpoint is not a signed note: %v.", err)
	}
	cp := &log.Checkpoint{}
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil || len(cp.Hash) != sha256.Size {
		return nil, nil, badRequest("The checkpoint is malformed.")
	}
	return v, cp, nil
}

// checkConsistent applies the specification's checks of r against the
// latest cosigned checkpoint (nil if none).
func (w *Witness) checkConsistent(latest *state, r *Request, cp *log.Checkpoint) error {
	var size uint64
	var hash []byte
	if latest != nil {
		size, hash = latest.Size, latest.Hash
	}
	if r.OldSize != size {
		return sizeConflict(size)
	}
	if size == 0 {
		if len(r.Proof) != 0 {
			return errorf(422, "unprocessable", "The consistency proof must be empty when the old size is 0.")
		}
		return nil
	}
	if cp.Size == size {
		if !bytes.Equal(cp.Hash, hash) {
			return errorf(409, "conflict", "The log signed two different trees of %d entries: this witness cosigned another root hash for that size. The log has forked.", size)
		}
		return nil
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size, cp.Size, r.Proof, hash, cp.Hash); err != nil {
		return errorf(422, "unprocessable", "The tree of %d entries is not consistent with the tree of %d this witness cosigned: %v.", cp.Size, size, err)
	}
	return nil
}

// cosign returns the witness's signature line on the checkpoint's text.
func (w *Witness) cosign(raw []byte, logKey note.Verifier) ([]byte, error) {
	n, err := note.Open(raw, note.VerifierList(logKey))
	if err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	return signed[len(n.Text)+1:], nil
}

// withSignature returns the note raw with only the log's signature and the
// witness's cosignature sig: the checkpoint this witness stands by.
func withSignature(raw []byte, logKey note.Verifier, sig []byte) []byte {
	n, err := note.Open(raw, note.VerifierList(logKey))
	if err != nil {
		return nil
	}
	out := []byte(n.Text + "\n")
	for _, s := range n.Sigs {
		out = fmt.Appendf(out, "— %s %s\n", s.Name, s.Base64)
	}
	return append(out, sig...)
}

// refuse records a checkpoint signed by the log that the witness refused.
func (w *Witness) refuse(origin string, raw []byte, reason error) {
	w.logger.Warn("refused a checkpoint the log signed", "origin", origin, "reason", reason.Error())
	if err := w.store.addConflict(Conflict{Origin: origin, Checkpoint: string(raw), Reason: reason.Error(), Seen: time.Now().UTC()}); err != nil {
		w.logger.Error("record conflict", "err", err)
	}
}

// Conflicts returns the checkpoints the witness refused although the log
// had signed them, oldest first.
func (w *Witness) Conflicts() ([]Conflict, error) { return w.store.conflicts() }

// Conflict is a checkpoint signed by the log that the witness refused.
type Conflict struct {
	Origin     string    `json:"origin"`
	Checkpoint string    `json:"checkpoint"`
	Reason     string    `json:"reason"`
	Seen       time.Time `json:"seen"`
}

// Error is a refusal with the HTTP status the protocol gives it.
type Error struct {
	Status int
	// Code names the problem type.
	Code    string
	Message string
	// Size is set for the 409 that tells the client the size it holds.
	Size *uint64
}

func (e *Error) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errorf(400, "invalid", format, args...)
}

func sizeConflict(size uint64) *Error {
	e := errorf(409, "conflict", "This witness last cosigned a tree of %d entries.", size)
	e.Size = &size
	return e
}
