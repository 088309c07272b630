package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// applicable is a clause that applies to the incident under one
// PartyTerms of the assessment.
type applicable struct {
	party  string
	terms  int // index of the PartyTerms in Assessment.Parties
	clause *truce.Clause
}

// reading is an assessment in the making: what the findings are written
// from.
type reading struct {
	a        truce.Assessment
	versions []*truce.Agreement // parallel to a.Parties: the binding version, or nil
	apps     []applicable
	plan     *plan   // for apps
	search   float64 // R plus the largest applicable buffer
	more     int     // sites found beyond MaxSites
}

// assess reads inc, whose counting reports are counting, against the
// terms and the registry: see the package documentation.
func (e *Engine) assess(inc *truce.Incident, counting []counted) truce.Assessment {
	rd := &reading{a: truce.Assessment{Parties: []truce.PartyTerms{}, Sites: []truce.SiteFinding{}, Findings: []string{}}}
	for _, party := range e.assessed(inc) {
		e.bind(rd, inc, party)
	}
	e.findSites(rd, inc, counting)
	rd.a.Grade = gradeOf(counting)
	if rd.a.Grade != truce.GradeRetracted && contested(inc) {
		rd.a.Grade = truce.GradeContested
	}
	rd.a.ReplyDeadline = replyDeadline(rd, inc, counting)
	rd.a.Findings = e.findings(rd, inc, counting)
	return rd.a
}

// assessed returns the parties to assess: the accused, or every party that
// an agreement version names.
func (e *Engine) assessed(inc *truce.Incident) []string {
	if len(inc.Accused) > 0 {
		return inc.Accused
	}
	var all []string
	for _, id := range e.terms.Agreements() {
		all = append(all, e.partiesOf(id)...)
	}
	return sortedSet(all)
}

// bind adds to rd what bound party at inc's start: one PartyTerms per
// binding version, with the clauses that apply, or one with a reason.
func (e *Engine) bind(rd *reading, inc *truce.Incident, party string) {
	t, p := inc.Start, inc.Where.Position()
	fs := e.terms.InForce(party, t)
	if len(fs) == 0 {
		rd.a.Parties = append(rd.a.Parties, truce.PartyTerms{Party: party, Clauses: []string{}, Reason: e.reason(party, t)})
		rd.versions = append(rd.versions, nil)
		return
	}
	for _, f := range fs {
		since := f.Since.UTC()
		pt := truce.PartyTerms{Party: party, Agreement: f.Agreement, Version: f.Version, Since: &since, Clauses: []string{}}
		for i := range f.Terms.Clauses {
			c := &f.Terms.Clauses[i]
			if slices.Contains(c.Prohibits, inc.Act) && e.inZone(c, p) {
				pt.Clauses = append(pt.Clauses, c.ID)
				rd.apps = append(rd.apps, applicable{party: party, terms: len(rd.a.Parties), clause: c})
			}
		}
		slices.Sort(pt.Clauses)
		rd.a.Parties = append(rd.a.Parties, pt)
		rd.versions = append(rd.versions, f.Terms)
	}
}

// inZone reports whether clause c applies at p: it has no zone, or its
// zone contains p. It keeps each zone's bounding box, so that most places
// far from a zone cost no more than a comparison.
func (e *Engine) inZone(c *truce.Clause, p truce.Position) bool {
	if c.Zone == nil {
		return true
	}
	box, ok := e.zones[c]
	if !ok {
		w, s, east, n := c.Zone.Bounds()
		box = [4]float64{w, s, east, n}
		e.zones[c] = box
	}
	if p[0] < box[0] || p[0] > box[2] || p[1] < box[1] || p[1] > box[3] {
		return false
	}
	return geo.Contains(*c.Zone, p)
}

// reason says why no agreement binds party at t.
func (e *Engine) reason(party string, t time.Time) string {
	var from, until *time.Time
	var unsigned []string
	for _, id := range e.terms.Agreements() {
		for _, per := range e.terms.Periods(id) {
			if per.Party != party {
				continue
			}
			if per.From.After(t) && (from == nil || per.From.Before(*from)) {
				from = &per.From
			}
			if per.Until != nil && !per.Until.After(t) && (until == nil || per.Until.After(*until)) {
				until = per.Until
			}
		}
		for n := 1; e.terms.Version(id, n) != nil; n++ {
			if v := e.terms.Version(id, n); v.Agreement.HasParty(party) && !v.Signed() {
				unsigned = append(unsigned, fmt.Sprintf("%s version %d awaits %s", id, n, andList(unsignedBy(v))))
			}
		}
	}
	var parts []string
	if until != nil {
		parts = append(parts, "after the terms expired on "+until.UTC().Format(time.RFC3339))
	}
	if from != nil {
		parts = append(parts, fmt.Sprintf("before the window of %s's acceptance (bound from %s)", party, from.UTC().Format(time.RFC3339)))
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, "; ")
	case len(unsigned) > 0:
		return "no agreement in force: not every party has signed (" + strings.Join(unsigned, "; ") + ")"
	}
	return "not a party to any agreement"
}

// unsignedBy returns the parties that have not signed v, sorted.
func unsignedBy(v *truce.AgreementVersion) []string {
	var out []string
	for _, p := range v.Agreement.Parties {
		if v.Acceptance(p) == nil {
			out = append(out, p)
		}
	}
	return sortedSet(out)
}

// gradeOf grades an incident by its counting reports.
//
// This is the hook for "contested": when responses come, an accused
// party's denial with evidence will make an incident contested here,
// ahead of the grades below, and a response will reassess the incident as
// a report does.
func gradeOf(counting []counted) truce.Grade {
	if len(counting) == 0 {
		return truce.GradeRetracted
	}
	if slices.ContainsFunc(counting, func(c counted) bool { return c.r.SourceKind.Impartial() }) {
		return truce.GradeImpartial
	}
	for _, c := range counting[1:] {
		if c.r.Signer != counting[0].r.Signer {
			return truce.GradeCorroborated
		}
	}
	return truce.GradeSingle
}

// replyDeadline returns when the accused must reply, or nil: see the
// package documentation.
func replyDeadline(rd *reading, inc *truce.Incident, counting []counted) *time.Time {
	if len(inc.Accused) == 0 || !slices.ContainsFunc(rd.a.Sites, func(f truce.SiteFinding) bool { return len(f.Clauses) > 0 }) {
		return nil
	}
	i := slices.IndexFunc(counting, func(c counted) bool { return len(c.f.accused) > 0 })
	j := slices.IndexFunc(rd.versions, func(v *truce.Agreement) bool { return v != nil })
	if i < 0 || j < 0 {
		return nil
	}
	d := counting[i].r.Time.Add(time.Duration(rd.versions[j].ReplyDeadline)).UTC()
	return &d
}
