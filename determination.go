package truce

import "slices"

// Finding is what a determination finds.
type Finding string

// The findings of a determination.
const (
	FindingBreach       Finding = "breach"        // attributed to a party
	FindingNoBreach     Finding = "no_breach"     // it happened within the terms, or did not happen
	FindingOutsideTerms Finding = "outside_terms" // the terms in force do not cover it
	FindingInconclusive Finding = "inconclusive"  // the evidence does not decide it
)

var findingNames = []string{string(FindingBreach), string(FindingNoBreach), string(FindingOutsideTerms), string(FindingInconclusive)}

// Determination is the body of a determination statement: a mediator's or
// a monitor's signed finding on an incident. A determiner may determine an
// incident again; its latest determination is the one that counts. The
// incident is determined once the determiners the charter requires agree
// on the finding and the party (see [DeterminerPolicy]).
type Determination struct {
	Incident string  `json:"incident"`
	Finding  Finding `json:"finding"`
	// Party is the party a breach is attributed to; only with breach.
	Party string `json:"party,omitempty"`
	// Clauses are the ids of the clauses concerned, e.g. "E1".
	Clauses []string `json:"clauses,omitempty"`
	// Publish says whether the determiner agrees to make the incident
	// public: it is published only if every agreeing determiner says so.
	Publish bool   `json:"publish"`
	Text    string `json:"text"`
}

// Validate checks the fields.
func (d *Determination) Validate() error {
	if err := validateStatementID("incident", d.Incident); err != nil {
		return err
	}
	if err := oneOf("finding", string(d.Finding), findingNames); err != nil {
		return err
	}
	switch {
	case d.Finding == FindingBreach && d.Party == "":
		return Errorf(EINVALID, "party is required with finding breach: name the party the breach is attributed to.")
	case d.Finding != FindingBreach && d.Party != "":
		return Errorf(EINVALID, "party goes only with finding breach.")
	}
	if d.Party != "" {
		if err := ValidateMemberID(d.Party); err != nil {
			return Errorf(EINVALID, "party: %s", ErrorMessage(err))
		}
	}
	if len(d.Clauses) > 32 {
		return Errorf(EINVALID, "clauses lists more than 32 clauses.")
	}
	for _, c := range d.Clauses {
		if err := validateClauseID(c); err != nil {
			return Errorf(EINVALID, "clauses: %s", ErrorMessage(err))
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(d.Clauses)))) != len(d.Clauses) {
		return Errorf(EINVALID, "clauses names a clause twice.")
	}
	return validateText("text", d.Text, 8000, true)
}

// DeterminerPolicy says who must agree before a determination takes
// effect, e.g. the mediator and one monitor. Without one, the first
// determination by any mediator or monitor takes effect.
type DeterminerPolicy struct {
	Requires []RoleCount `json:"requires"`
}

// RoleCount asks for Count distinct determiners of Role.
type RoleCount struct {
	Role  Role `json:"role"`
	Count int  `json:"count"`
}

// Validate checks the policy: mediators and monitors only, each role once,
// counts from 1 to 16.
func (p *DeterminerPolicy) Validate() error {
	if len(p.Requires) == 0 {
		return Errorf(EINVALID, "determiners.requires lists no role; omit determiners to let any one mediator or monitor decide.")
	}
	seen := map[Role]bool{}
	for _, rc := range p.Requires {
		if rc.Role != RoleMediator && rc.Role != RoleMonitor {
			return Errorf(EINVALID, "determiners.requires: role %q cannot determine; only mediator and monitor can.", rc.Role)
		}
		if seen[rc.Role] {
			return Errorf(EINVALID, "determiners.requires names role %s twice.", rc.Role)
		}
		seen[rc.Role] = true
		if rc.Count < 1 || rc.Count > 16 {
			return Errorf(EINVALID, "determiners.requires: count for %s must be 1 to 16.", rc.Role)
		}
	}
	return nil
}

// Met reports whether determiners, the roles of distinct members who agree,
// satisfy the policy. A nil policy is met by any one determiner.
func (p *DeterminerPolicy) Met(determiners []Role) bool {
	if p == nil {
		return len(determiners) > 0
	}
	for _, rc := range p.Requires {
		n := 0
		for _, r := range determiners {
			if r == rc.Role {
				n++
			}
		}
		if n < rc.Count {
			return false
		}
	}
	return true
}

func validateClauseID(id string) error {
	if !clauseIDPattern.MatchString(id) {
		return Errorf(EINVALID, "clause id %q must be 1 to 32 letters, digits and \"._-\".", id)
	}
	return nil
}
