package truce

import "context"

// Receipt is the proof that a statement is in the log: its index, a signed
// checkpoint whose tree includes it, and the inclusion proof against that
// checkpoint. Anyone holding the log's verifier key can check it without
// Truce code.
type Receipt struct {
	ID     string `json:"id"`
	Index  uint64 `json:"index"`
	Kind   Kind   `json:"kind"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Checkpoint is the signed note of a checkpoint that includes Index.
	Checkpoint string `json:"checkpoint"`
	// TreeSize is the size of that checkpoint's tree.
	TreeSize uint64 `json:"tree_size"`
	// InclusionProof is the RFC 6962 audit path from the leaf to the root.
	InclusionProof [][]byte `json:"inclusion_proof"`
}

// MemberView is a member with its keys, as GET /v1/members shows it.
type MemberView struct {
	MemberState
	Keys []Key `json:"keys"`
}

// Ledger is the service the HTTP API serves: the write path and reads of
// the projection. The service package implements it.
type Ledger interface {
	// Submit checks a statement, appends it to the log and applies it, and
	// returns its receipt once a published checkpoint includes it. created
	// is false when the statement was already in the log; nothing is then
	// written. Errors are those of ParseStatement and Authority.Check, and
	// EINVALID for a claimed time too far ahead of the server's clock.
	Submit(ctx context.Context, envelope []byte) (r *Receipt, created bool, err error)

	// Receipt returns the receipt of a statement against the latest
	// checkpoint, or ENOTFOUND.
	Receipt(ctx context.Context, id string) (*Receipt, error)

	// Statement returns the record of a statement, or ENOTFOUND.
	Statement(ctx context.Context, id string) (*Record, error)

	// Statements returns up to limit records from index from, in log order.
	Statements(ctx context.Context, from uint64, limit int) ([]Record, error)

	// Members returns the members with their keys, ordered by id.
	Members(ctx context.Context) ([]MemberView, error)
}
