package truce

import "encoding/hex"

// StateRoot is the body of a state.root statement: the operator's digest
// of the derived state (incidents, assessments, grades) after the first
// Size entries of the log. Every member can replay the log and compare.
type StateRoot struct {
	Size      uint64 `json:"size"`
	Digest    string `json:"digest"`
	Incidents int    `json:"incidents"`
}

// Validate checks the fields.
func (r *StateRoot) Validate() error {
	if b, err := hex.DecodeString(r.Digest); err != nil || len(b) != 32 || r.Digest != hexLower(r.Digest) {
		return Errorf(EINVALID, "digest must be 64 lowercase hex digits.")
	}
	if r.Size == 0 || r.Incidents < 0 {
		return Errorf(EINVALID, "size must be 1 or more and incidents 0 or more.")
	}
	return nil
}
