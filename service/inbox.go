package service

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/truce-project/truce"
)

// Inbox implements [truce.Ledger]: for the reader, the incidents that
// accuse it and await its reply, the bulletins it is asked to acknowledge,
// and, for a mediator or a monitor, the incidents with a protected site
// within reach that await a determination.
func (s *Service) Inbox(ctx context.Context) (*truce.Inbox, error) {
	r := truce.ReaderFrom(ctx)
	if r.Member == "" {
		return nil, truce.Errorf(truce.EUNAUTHORIZED, "An inbox is a member's: send a bearer token made with \"truce token\".")
	}
	now := s.now()
	box := &truce.Inbox{Member: r.Member, Role: r.Role, Reply: []truce.InboxIncident{},
		Acknowledge: []truce.BulletinState{}, Determine: []truce.InboxIncident{}}
	var reply, determine []string
	determiner := r.Role == truce.RoleMediator || r.Role == truce.RoleMonitor
	s.incidentIndex().each(func(e *incidentEntry) {
		switch st := e.statusAt(now); {
		case r.Role == truce.RoleParty && (st == truce.StatusAwaitingReply || st == truce.StatusOverdue) &&
			strings.Contains(e.terms, " "+r.Member+" "):
			reply = append(reply, e.id)
		case determiner && st != truce.StatusDetermined && st != truce.StatusPublished && strings.Contains(e.terms, " site="):
			determine = append(determine, e.id)
		}
	})
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range reply {
		inc, ok := s.engine.Incident(id)
		if ok && slices.Contains(inc.Accused, r.Member) && !slices.ContainsFunc(inc.Responses, func(x truce.IncidentResponse) bool { return x.Party == r.Member }) {
			box.Reply = append(box.Reply, truce.NewInboxIncident(&inc, now))
		}
	}
	slices.SortStableFunc(box.Reply, func(a, b truce.InboxIncident) int { return cmp.Compare(deadline(a), deadline(b)) })
	for _, id := range determine {
		inc, ok := s.engine.Incident(id)
		if ok && inc.Determination == nil && !determinedBy(&inc, r.Member) {
			box.Determine = append(box.Determine, truce.NewInboxIncident(&inc, now))
		}
	}
	if len(box.Reply) > truce.MaxIncidentLimit || len(box.Determine) > truce.MaxIncidentLimit {
		box.Truncated = true
		box.Reply, box.Determine = box.Reply[:min(len(box.Reply), truce.MaxIncidentLimit)], box.Determine[:min(len(box.Determine), truce.MaxIncidentLimit)]
	}
	if r.Full() {
		for _, b := range s.state.Bulletins.All() {
			if b.AckRequested && b.Addressed(r.Member) && !b.Acked(r.Member) {
				box.Acknowledge = append(box.Acknowledge, b.Clone())
			}
		}
	}
	return box, nil
}

// deadline orders inbox incidents by reply deadline, those without last.
func deadline(i truce.InboxIncident) int64 {
	if i.Deadline == nil {
		return 1<<63 - 1
	}
	return i.Deadline.UnixNano()
}

// determinedBy reports whether member's latest determination of inc
// stands.
func determinedBy(inc *truce.Incident, member string) bool {
	return slices.ContainsFunc(inc.Determinations, func(d truce.IncidentDetermination) bool {
		return d.Signer == member && !d.Superseded
	})
}
