package service

import (
	"context"
	"time"

	"github.com/truce-project/truce"
)

// audience is what one reader may see: everything shared with members, or
// what the publication policy lets the public see, at the reader's time.
type audience struct {
	reader truce.Reader
	policy truce.Policy
	now    time.Time
}

// audienceOf returns the audience of the reader ctx carries. Callers hold
// s.mu for reading.
func (s *Service) audienceOf(ctx context.Context) audience {
	return audience{reader: truce.ReaderFrom(ctx), policy: s.state.Terms.PublicationPolicy(), now: s.now()}
}

// incident returns what the audience sees of inc, or false if nothing,
// with its status as of the audience's time (overdue, if so).
func (a audience) incident(inc *truce.Incident) (truce.Incident, bool) {
	v := *inc
	if !a.reader.Full() {
		if !a.policy.Shows(inc) {
			return truce.Incident{}, false
		}
		v = a.policy.PublicView(inc)
	}
	v.Status = inc.StatusAt(a.now)
	return v, true
}

// site returns what the audience sees of site, or false if nothing: the
// public sees sites in force only.
func (a audience) site(site *truce.SiteState) (truce.SiteState, bool) {
	if a.reader.Full() {
		return *site, true
	}
	if site.Status == truce.SiteRetired {
		return truce.SiteState{}, false
	}
	return a.policy.PublicSite(*site), true
}

// record returns what the audience sees of a record: all of it, or, for a
// statement it may not read, only what the public log shows of it (its
// index, id, kind, verdict, and whether the log holds it as a commitment).
func (a audience) record(r truce.Record) truce.Record {
	if a.reader.SeesStatement(r.Kind, r.Signer) {
		return r
	}
	return truce.Record{Index: r.Index, ID: r.ID, Kind: r.Kind, Status: r.Status, Sealed: r.Sealed, Withheld: true}
}
