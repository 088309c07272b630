package engine

import (
	"slices"

	"github.com/truce-project/truce"
)

// UseAuthority gives the engine the members of the log, whose roles and
// charter decide whose determinations agree (see [Engine.Check]). The
// engine reads a, and never writes it.
func (e *Engine) UseAuthority(a *truce.Authority) { e.members = a }

// Check reports whether st, which truce.State.Check accepted, may apply to
// the incidents: a response must name an incident that accuses its signer,
// and a determination an incident that exists. Statements of other kinds
// pass.
//
// Returns ENOTFOUND for an unknown incident and EFORBIDDEN for a response
// by a party the incident does not accuse.
func (e *Engine) Check(st *truce.Statement) error {
	switch b := st.Body.(type) {
	case *truce.Response:
		x := e.incidents[b.Incident]
		if x == nil {
			return truce.Errorf(truce.ENOTFOUND, "Incident %s is not known.", b.Incident)
		}
		if !slices.Contains(x.inc.Accused, st.Payload.Signer) {
			return truce.Errorf(truce.EFORBIDDEN, "Incident %s does not accuse %q (accused: %v); only an accused party may respond.", b.Incident, st.Payload.Signer, x.inc.Accused)
		}
	case *truce.Determination:
		if e.incidents[b.Incident] == nil {
			return truce.Errorf(truce.ENOTFOUND, "Incident %s is not known.", b.Incident)
		}
	}
	return nil
}

func (e *Engine) applyResponse(st *truce.Statement, b *truce.Response, index uint64) (*incident, error) {
	if err := e.Check(st); err != nil {
		return nil, err
	}
	x := e.incidents[b.Incident]
	if err := x.complete(); err != nil {
		return nil, err
	}
	t := st.Payload.Time.UTC()
	d := x.inc.Assessment.ReplyDeadline
	x.inc.Responses = append(x.inc.Responses, truce.IncidentResponse{
		Statement: st.ID, Index: index, Party: st.Payload.Signer, Time: t,
		Stance: b.Stance, Actor: b.Actor, Text: b.Text, Evidence: cloneEvidence(b.Evidence),
		Late: d != nil && t.After(*d),
	})
	return x, e.update(x, index)
}

func (e *Engine) applyDetermination(st *truce.Statement, b *truce.Determination, index uint64) (*incident, error) {
	if err := e.Check(st); err != nil {
		return nil, err
	}
	x := e.incidents[b.Incident]
	if err := x.complete(); err != nil {
		return nil, err
	}
	signer := st.Payload.Signer
	for i := range x.inc.Determinations {
		if x.inc.Determinations[i].Signer == signer {
			x.inc.Determinations[i].Superseded = true
		}
	}
	var role truce.Role
	if m := e.member(signer); m != nil {
		role = m.Role
	}
	clauses := slices.Clone(b.Clauses)
	slices.Sort(clauses)
	x.inc.Determinations = append(x.inc.Determinations, truce.IncidentDetermination{
		Statement: st.ID, Index: index, Signer: signer, Role: role, Time: st.Payload.Time.UTC(),
		Finding: b.Finding, Party: b.Party, Clauses: cloneStrings(clauses), Publish: b.Publish, Text: b.Text,
	})
	x.inc.Determination = determined(x.inc.Determinations, e.policy())
	return x, e.update(x, index)
}

func (e *Engine) member(id string) *truce.MemberState {
	if e.members == nil {
		return nil
	}
	return e.members.Member(id)
}

func (e *Engine) policy() *truce.DeterminerPolicy {
	if e.members == nil || e.members.Rules() == nil {
		return nil
	}
	return e.members.Rules().Determiners
}

// determined returns the finding that the determiners' current
// determinations agree on in the numbers policy requires, or nil. Where
// several findings each meet the policy, the one most recently determined
// wins: see the package documentation.
func determined(ds []truce.IncidentDetermination, policy *truce.DeterminerPolicy) *truce.Determined {
	type key struct {
		finding truce.Finding
		party   string
	}
	groups := map[key][]*truce.IncidentDetermination{}
	var order []key
	for i := range ds {
		d := &ds[i]
		if d.Superseded {
			continue
		}
		k := key{d.Finding, d.Party}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], d)
	}
	var best *truce.Determined
	for _, k := range order {
		g := groups[k]
		roles := make([]truce.Role, len(g))
		for i, d := range g {
			roles[i] = d.Role
		}
		if !policy.Met(roles) {
			continue
		}
		r := &truce.Determined{Finding: k.finding, Party: k.party, Clauses: []string{}, Publish: true, Determiners: []string{}}
		for _, d := range g {
			r.Clauses = append(r.Clauses, d.Clauses...)
			r.Determiners = append(r.Determiners, d.Signer)
			r.Publish = r.Publish && d.Publish
			r.Index = max(r.Index, d.Index)
		}
		r.Clauses, r.Determiners = sortedSet(r.Clauses), sortedSet(r.Determiners)
		if best == nil || r.Index > best.Index {
			best = r
		}
	}
	return best
}

// status returns where inc stands, from its statements alone.
func status(inc *truce.Incident) truce.IncidentStatus {
	switch {
	case inc.Determination != nil && inc.Determination.Publish:
		return truce.StatusPublished
	case inc.Determination != nil:
		return truce.StatusDetermined
	case slices.ContainsFunc(inc.Responses, func(r truce.IncidentResponse) bool { return slices.Contains(inc.Accused, r.Party) }):
		return truce.StatusReplied
	case inc.Assessment.ReplyDeadline != nil:
		return truce.StatusAwaitingReply
	}
	return truce.StatusOpen
}

// contested reports whether a party that inc accuses has denied it with
// evidence.
func contested(inc *truce.Incident) bool {
	return slices.ContainsFunc(inc.Responses, func(r truce.IncidentResponse) bool {
		return r.Stance == truce.StanceDeny && len(r.Evidence) > 0 && slices.Contains(inc.Accused, r.Party)
	})
}

func cloneEvidence(es []truce.Evidence) []truce.Evidence {
	out := make([]truce.Evidence, len(es))
	for i, e := range es {
		if e.CapturedAt != nil {
			t := e.CapturedAt.UTC()
			e.CapturedAt = &t
		}
		if e.CapturedWhere != nil {
			w := *e.CapturedWhere
			w.Admin = slices.Clone(w.Admin)
			e.CapturedWhere = &w
		}
		out[i] = e
	}
	return out
}
