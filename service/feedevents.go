package service

import (
	"container/heap"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/truce-project/truce"
)

// publishBatch publishes the events of a committed batch: for each entry
// in log order, its statement, then the incidents whose last change it
// made. Callers hold s.mu.
func (s *Service) publishBatch(from uint64, entries []entry, b *truce.Batch) {
	now := s.now()
	policy := s.state.Terms.PublicationPolicy()
	byIndex := map[uint64][]int{}
	for i := range b.Incidents {
		byIndex[b.Incidents[i].UpdatedAt] = append(byIndex[b.Incidents[i].UpdatedAt], i)
	}
	events := make([]*feedEvent, 0, len(b.Records)+len(b.Incidents))
	for i := range b.Records {
		rec := &b.Records[i]
		events = append(events, statementEvent(rec, entries[rec.Index-from].st))
		for n, j := range byIndex[rec.Index] {
			inc := &b.Incidents[j]
			id := truce.EventID{Index: rec.Index, Seq: uint32(n + 1)}
			events = append(events, incidentEvent(id, inc, policy, inc.StatusAt(now)))
			s.deadlines.watch(inc, now)
		}
	}
	s.feed.publish(events)
	s.deadlineNotify()
}

// statementEvent returns the event of a record, with the place and the
// accused of a report.
func statementEvent(rec *truce.Record, st *truce.Statement) *feedEvent {
	data, _ := json.Marshal(rec)
	e := &feedEvent{id: truce.EventID{Index: rec.Index}, typ: truce.EventStatement, kind: string(rec.Kind),
		signer: rec.Signer, parties: []string{rec.Signer}, full: data}
	if st != nil && rec.Status == truce.StatusAccepted {
		if r, ok := st.Body.(*truce.Report); ok {
			w := r.Where
			e.at = &w
			e.parties = append(e.parties, r.Accused...)
		}
	}
	return e
}

// incidentEvent returns the event of an incident at status, in full and in
// the public view if the policy shows it.
func incidentEvent(id truce.EventID, inc *truce.Incident, policy truce.Policy, status truce.IncidentStatus) *feedEvent {
	full := *inc
	full.Status = status
	data, _ := json.Marshal(&full)
	w := inc.Where
	e := &feedEvent{id: id, typ: truce.EventIncident, kind: truce.EventIncident, full: data, at: &w}
	e.parties = slices.Clone(inc.Accused)
	for _, p := range inc.Assessment.Parties {
		e.parties = append(e.parties, p.Party)
	}
	if policy.Shows(inc) {
		v := policy.PublicView(&full)
		e.public, _ = json.Marshal(&v)
		e.publicAt = &v.Where
	}
	return e
}

// # Overdue incidents
//
// The log has no clock, so the projection never stores the status
// "overdue" (see [truce.Incident.StatusAt]). The service keeps the reply
// deadlines still to come in a heap, and when one passes while the
// incident still awaits a reply, publishes an incident event with status
// "overdue". Deadlines that passed before the service started are not
// announced; the listing shows those incidents as overdue.

// replyDue is an incident's reply deadline.
type replyDue struct {
	at time.Time
	id string
}

// deadlines is a min-heap of deadlines, with the latest deadline of each
// incident, so that an incident changed many times is in it once.
type deadlines struct {
	h      deadlineHeap
	latest map[string]time.Time
}

type deadlineHeap []replyDue

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(replyDue)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// watch keeps inc's deadline if it awaits a reply due after now.
func (d *deadlines) watch(inc *truce.Incident, now time.Time) {
	if d.latest == nil {
		d.latest = map[string]time.Time{}
	}
	dl := inc.Assessment.ReplyDeadline
	if inc.Status != truce.StatusAwaitingReply || dl == nil || !dl.After(now) {
		delete(d.latest, inc.ID)
		return
	}
	if at, ok := d.latest[inc.ID]; ok && at.Equal(*dl) {
		return
	}
	d.latest[inc.ID] = *dl
	heap.Push(&d.h, replyDue{at: *dl, id: inc.ID})
}

// due pops the deadlines passed at now and returns the incidents whose
// latest deadline they are.
func (d *deadlines) due(now time.Time) []string {
	var ids []string
	for len(d.h) > 0 && now.After(d.h[0].at) {
		x := heap.Pop(&d.h).(replyDue)
		if at, ok := d.latest[x.id]; ok && at.Equal(x.at) {
			delete(d.latest, x.id)
			ids = append(ids, x.id)
		}
	}
	return ids
}

// next returns the earliest deadline kept, or the zero time.
func (d *deadlines) next() time.Time {
	if len(d.h) == 0 {
		return time.Time{}
	}
	return d.h[0].at
}

// CheckDeadlines publishes an incident event with status "overdue" for
// each incident whose reply deadline has passed, by the service's clock,
// without a reply. The service calls it itself when the nearest deadline
// passes; tests with a clock of their own call it after moving the clock.
func (s *Service) CheckDeadlines() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live {
		return
	}
	now := s.now()
	policy := s.state.Terms.PublicationPolicy()
	var events []*feedEvent
	for _, id := range s.deadlines.due(now) {
		inc, ok := s.engine.Incident(id)
		if !ok || inc.StatusAt(now) != truce.StatusOverdue {
			continue
		}
		s.feed.mu.RLock()
		eid := s.feed.nextID(max(s.applied, 1) - 1)
		s.feed.mu.RUnlock()
		if n := len(events); n > 0 {
			eid = truce.EventID{Index: events[n-1].id.Index, Seq: events[n-1].id.Seq + 1}
		}
		events = append(events, incidentEvent(eid, &inc, policy, truce.StatusOverdue))
	}
	s.feed.publish(events)
}

// watchDeadlines calls CheckDeadlines when the nearest deadline passes,
// and at least every minute, until ctx ends.
func (s *Service) watchDeadlines(ctx context.Context) {
	for {
		s.mu.RLock()
		next := s.deadlines.next()
		s.mu.RUnlock()
		wait := time.Minute
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(s.now())+time.Millisecond, 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			s.CheckDeadlines()
		case <-s.deadlineWake:
			t.Stop()
		}
	}
}

// deadlineNotify wakes watchDeadlines to look at the nearest deadline
// again.
func (s *Service) deadlineNotify() {
	select {
	case s.deadlineWake <- struct{}{}:
	default:
	}
}

// startFeed starts the hub at the projection's size, keeps the deadlines
// still to come, and starts watching them. Callers hold s.mu.
func (s *Service) startFeed(ctx context.Context) {
	s.feed.start(s.applied)
	now := s.now()
	for _, inc := range s.engine.Incidents() {
		s.deadlines.watch(&inc, now)
	}
	go s.watchDeadlines(ctx)
}
