package truce

import "encoding/hex"

// Stance is what an accused party says about an incident.
type Stance string

// The stances of a response.
const (
	StanceAcknowledge  Stance = "acknowledge"
	StanceDeny         Stance = "deny"
	StanceCounterClaim Stance = "counter_claim" // another actor did it
)

// Stances returns the stances in a fixed order.
func Stances() []Stance { return []Stance{StanceAcknowledge, StanceDeny, StanceCounterClaim} }

// Response is the body of a response statement: an accused party's reply
// to an incident. Only a party the incident accuses may make one; one made
// after the reply deadline is recorded and marked late.
type Response struct {
	Incident string `json:"incident"`
	Stance   Stance `json:"stance"`
	// Actor is whom a counter-claim names: a party's member id or a
	// description such as "unidentified".
	Actor    string     `json:"actor,omitempty"`
	Text     string     `json:"text"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Validate checks the fields.
func (r *Response) Validate() error {
	if err := validateStatementID("incident", r.Incident); err != nil {
		return err
	}
	if err := oneOf("stance", string(r.Stance), stanceNames); err != nil {
		return err
	}
	switch {
	case r.Stance == StanceCounterClaim && r.Actor == "":
		return Errorf(EINVALID, "actor is required with stance counter_claim: name who did it.")
	case r.Stance != StanceCounterClaim && r.Actor != "":
		return Errorf(EINVALID, "actor goes only with stance counter_claim.")
	}
	if err := validateText("actor", r.Actor, 200, false); err != nil {
		return err
	}
	if err := validateText("text", r.Text, 8000, true); err != nil {
		return err
	}
	return validateEvidence(r.Evidence)
}

var stanceNames = []string{string(StanceAcknowledge), string(StanceDeny), string(StanceCounterClaim)}

// validateStatementID returns EINVALID unless id is a statement id: 64
// lowercase hex digits.
func validateStatementID(field, id string) error {
	if b, err := hex.DecodeString(id); err != nil || len(b) != 32 || id != hexLower(id) {
		return Errorf(EINVALID, "%s must be a statement id: 64 lowercase hex digits.", field)
	}
	return nil
}
