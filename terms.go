package truce

import (
	"sort"
	"time"
)

// Acceptance is a party's signature of an agreement version.
type Acceptance struct {
	Party string `json:"party"`
	// From is when the party accepts the terms from.
	From time.Time `json:"accepted_from"`
	// Index and Statement locate the agreement.sign statement in the log.
	Index     uint64 `json:"index"`
	Statement string `json:"statement"`
}

// AgreementVersion is a proposed version with the signatures it has.
type AgreementVersion struct {
	Agreement Agreement `json:"agreement"`
	// Index and Statement locate the agreement.propose statement.
	Index      uint64       `json:"index"`
	Statement  string       `json:"statement"`
	Signatures []Acceptance `json:"signatures"`
}

// Signed reports whether every party has signed the version.
func (v *AgreementVersion) Signed() bool { return len(v.Signatures) == len(v.Agreement.Parties) }

// Acceptance returns party's signature, or nil.
func (v *AgreementVersion) Acceptance(party string) *Acceptance {
	for i := range v.Signatures {
		if v.Signatures[i].Party == party {
			return &v.Signatures[i]
		}
	}
	return nil
}

// start returns when the version takes effect for party: the later of the
// window's start and the party's acceptance; ok is false until every
// party has signed.
func (v *AgreementVersion) start(party string) (time.Time, bool) {
	acc := v.Acceptance(party)
	if acc == nil || !v.Signed() {
		return time.Time{}, false
	}
	if acc.From.After(v.Agreement.Window.From) {
		return acc.From, true
	}
	return v.Agreement.Window.From, true
}

// Terms holds every agreement version proposed in the log. It is not safe
// for concurrent use.
type Terms struct {
	versions map[string][]*AgreementVersion // by agreement id, in version order
}

// NewTerms returns empty terms.
func NewTerms() *Terms { return &Terms{versions: map[string][]*AgreementVersion{}} }

// RestoreTerms returns the terms that persisted versions describe.
func RestoreTerms(vs []AgreementVersion) *Terms {
	t := NewTerms()
	vs = append([]AgreementVersion(nil), vs...) // sort a copy, not the caller's
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Agreement.ID != vs[j].Agreement.ID {
			return vs[i].Agreement.ID < vs[j].Agreement.ID
		}
		return vs[i].Agreement.Version < vs[j].Agreement.Version
	})
	for i := range vs {
		v := vs[i]
		v.Signatures = append([]Acceptance{}, v.Signatures...) // sign appends and sorts
		t.versions[v.Agreement.ID] = append(t.versions[v.Agreement.ID], &v)
	}
	return t
}

// Agreements returns the ids of all agreements, sorted.
func (t *Terms) Agreements() []string {
	ids := make([]string, 0, len(t.versions))
	for id := range t.versions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Versions returns the versions of agreement id, in version order.
func (t *Terms) Versions(id string) []AgreementVersion {
	out := make([]AgreementVersion, len(t.versions[id]))
	for i, v := range t.versions[id] {
		out[i] = *v
	}
	return out
}

// Version returns version n of agreement id, or nil.
func (t *Terms) Version(id string, n int) *AgreementVersion {
	vs := t.versions[id]
	if n < 1 || n > len(vs) {
		return nil
	}
	return vs[n-1]
}

// checkPropose checks that a proposal continues the agreement's versions
// and reuses no clause id for other text.
func (t *Terms) checkPropose(a *Agreement) error {
	vs := t.versions[a.ID]
	if a.Version != len(vs)+1 {
		return Errorf(ECONFLICT, "Agreement %s has %d versions; the next proposal must be version %d, not %d.", a.ID, len(vs), len(vs)+1, a.Version)
	}
	if len(vs) > 0 && a.Supersedes == 0 {
		return Errorf(EINVALID, "Agreement %s already has versions; version %d must name the one it supersedes.", a.ID, a.Version)
	}
	for _, c := range a.Clauses {
		for _, v := range vs {
			if old := v.Agreement.Clause(c.ID); old != nil && old.Text != c.Text {
				return Errorf(ECONFLICT, "Clause id %s is reused with other text (version %d has %q); give the new text a new id.", c.ID, v.Agreement.Version, truncate(old.Text, 60))
			}
		}
	}
	return nil
}

// checkSign checks that the version exists, the signer is one of its
// parties, it has not signed it already, and it accepts the terms from a
// time before the window ends: a version the party would accept only
// after it expires would never bind it, yet would end the versions before
// it (see InForce).
func (t *Terms) checkSign(signer string, s *AgreementSign) error {
	v := t.Version(s.Agreement, s.Version)
	switch {
	case v == nil:
		return Errorf(ENOTFOUND, "Agreement %s has no version %d.", s.Agreement, s.Version)
	case !v.Agreement.HasParty(signer):
		return Errorf(EFORBIDDEN, "Member %q is not a party to agreement %s version %d (parties: %v).", signer, s.Agreement, s.Version, v.Agreement.Parties)
	case v.Acceptance(signer) != nil:
		return Errorf(ECONFLICT, "Member %q has already signed agreement %s version %d.", signer, s.Agreement, s.Version)
	case v.Agreement.Window.Until != nil && !s.AcceptedFrom.Before(*v.Agreement.Window.Until):
		return Errorf(EINVALID, "Agreement %s version %d ends at %s; accepted_from (%s) must be before then.", s.Agreement, s.Version, v.Agreement.Window.Until.Format(time.RFC3339), s.AcceptedFrom.Format(time.RFC3339))
	}
	return nil
}

func (t *Terms) propose(a Agreement, index uint64, id string) *AgreementVersion {
	v := &AgreementVersion{Agreement: a, Index: index, Statement: id, Signatures: []Acceptance{}}
	t.versions[a.ID] = append(t.versions[a.ID], v)
	return v
}

func (t *Terms) sign(party string, s *AgreementSign, index uint64, id string) *AgreementVersion {
	v := t.Version(s.Agreement, s.Version)
	v.Signatures = append(v.Signatures, Acceptance{Party: party, From: s.AcceptedFrom.UTC(), Index: index, Statement: id})
	sort.Slice(v.Signatures, func(i, j int) bool { return v.Signatures[i].Party < v.Signatures[j].Party })
	return v
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
