package service

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/truce-project/truce"
)

// # The feed
//
// The projector publishes the events of each committed batch to a hub: a
// ring of the most recent events, shared by every subscriber. Publishing
// appends to the ring and wakes the subscribers; it never waits for one.
// A subscriber is a cursor into the ring and nothing more, so one that
// does not read holds no memory of its own: when the ring has moved past
// its cursor, its next read returns a gap event and goes on from the oldest
// event held. Each event is encoded once for full readers and once for the
// public; a subscriber picks the form its reader may see and applies its
// filter.

// DefaultFeedBuffer is how many recent events the feed holds by default.
const DefaultFeedBuffer = 65536

// feedEvent is an event as the hub holds it, in both forms.
type feedEvent struct {
	id  truce.EventID
	typ string
	// kind is the statement's kind, or "incident".
	kind   string
	signer string
	// parties are the signer and the accused of a statement, or the
	// accused and assessed parties of an incident.
	parties []string
	// full is the data for readers that may see everything; public, if not
	// nil, the data for the others (an incident's public view).
	full, public []byte
	// at and publicAt are the place of a report or an incident, if any.
	at, publicAt *truce.Where
}

// visible returns the event's data as reader may see it, and its place.
func (e *feedEvent) visible(r truce.Reader) ([]byte, *truce.Where) {
	if e.typ == truce.EventStatement {
		if r.SeesStatement(truce.Kind(e.kind), e.signer) {
			return e.full, e.at
		}
		return nil, nil
	}
	if r.Full() {
		return e.full, e.at
	}
	return e.public, e.publicAt
}

// see returns the event as r sees it, or false if r may not see it or f
// leaves it out. A gap is for everyone.
func (e *feedEvent) see(r truce.Reader, f *truce.FeedFilter) (truce.Event, bool) {
	if e.typ == truce.EventGap {
		return truce.Event{ID: e.id, Type: e.typ, Data: e.full}, true
	}
	data, at := e.visible(r)
	if data == nil || !matches(f, e, at) {
		return truce.Event{}, false
	}
	return truce.Event{ID: e.id, Type: e.typ, Data: data}, true
}

// matches reports whether f selects the event at place at.
func matches(f *truce.FeedFilter, e *feedEvent, at *truce.Where) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.kind) {
		return false
	}
	if f.Party != "" && !slices.Contains(e.parties, f.Party) {
		return false
	}
	if b := f.BBox; b != nil {
		return at != nil && at.Lon >= b[0] && at.Lon <= b[2] && at.Lat >= b[1] && at.Lat <= b[3]
	}
	return true
}

// hub is the ring of recent events.
type hub struct {
	mu   sync.RWMutex
	ring []*feedEvent
	// head is the number of events ever published in this run: event n is
	// at ring[n%len(ring)] while n >= head-len(ring).
	head uint64
	// last is the id of the last event published, or of the statement
	// event of the last entry applied before the hub went live; floor is
	// the id of the last event the ring no longer holds. have says
	// whether last is set, i.e. the log was not empty.
	last, floor truce.EventID
	have        bool
	// wait is closed and replaced at each publication.
	wait chan struct{}
}

func newHub(size int) *hub {
	if size <= 0 {
		size = DefaultFeedBuffer
	}
	return &hub{ring: make([]*feedEvent, size), wait: make(chan struct{})}
}

// start sets the position of a hub that goes live once size log entries
// are applied: as if the statement event of the last one had been the
// last event, and the floor.
func (h *hub) start(size uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if size > 0 {
		h.last, h.floor, h.have = truce.EventID{Index: size - 1}, truce.EventID{Index: size - 1}, true
	}
}

// next returns the id of the next event at index: the statement's own for
// a new index, the next sequence number at the current one.
func (h *hub) nextID(index uint64) truce.EventID {
	if !h.have || index > h.last.Index {
		return truce.EventID{Index: index}
	}
	return truce.EventID{Index: h.last.Index, Seq: h.last.Seq + 1}
}

// publish appends events to the ring and wakes the subscribers. The
// events' ids must follow the last one.
func (h *hub) publish(events []*feedEvent) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	size := uint64(len(h.ring))
	for _, e := range events {
		if h.head >= size {
			h.floor = h.ring[h.head%size].id
		}
		h.ring[h.head%size] = e
		h.head++
		h.last, h.have = e.id, true
	}
	close(h.wait)
	h.wait = make(chan struct{})
}

// oldest returns the number of the oldest event the ring holds. Callers
// hold h.mu.
func (h *hub) oldest() uint64 {
	return h.head - min(h.head, uint64(len(h.ring)))
}

// after returns the number of the first event after id, and whether the
// ring holds every event after id (otherwise the subscriber gets a gap
// first). Callers hold h.mu.
func (h *hub) after(id truce.EventID) (uint64, bool) {
	if !h.have || h.last.Less(id) || id.Less(h.floor) {
		return h.oldest(), false
	}
	size := uint64(len(h.ring))
	lo, hi := h.oldest(), h.head
	for lo < hi {
		mid := lo + (hi-lo)/2
		if id.Less(h.ring[mid%size].id) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, true
}

// subscription is one subscriber's cursor. reader and filter are what
// Next shows; a webhook takes the events with wait and shows each as its
// hook may see it when it delivers it.
type subscription struct {
	h      *hub
	reader truce.Reader
	filter truce.FeedFilter
	next   uint64
	// gap, if set, is delivered before anything else.
	gap *truce.Gap
}

// maxScan bounds how many events one Next call looks at, so that a
// subscriber far behind holds the hub's lock only briefly.
const maxScan = 1024

// Next implements [truce.Subscription].
func (s *subscription) Next(ctx context.Context, max int) ([]truce.Event, error) {
	for {
		batch, err := s.wait(ctx, max)
		if err != nil {
			return nil, err
		}
		var out []truce.Event
		for _, e := range batch {
			if ev, ok := e.see(s.reader, &s.filter); ok {
				out = append(out, ev)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// wait returns the next events of the ring, at most max, whoever may see
// them, after a gap event if the ring moved past the cursor. It waits
// until there is one or ctx ends; it returns what there is even if ctx
// has ended.
func (s *subscription) wait(ctx context.Context, max int) ([]*feedEvent, error) {
	if max <= 0 {
		max = 1
	}
	for {
		batch, wait := s.take(max)
		if len(batch) > 0 {
			return batch, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wait:
		}
	}
}

// take returns up to maxScan events from the cursor on, and advances it.
// If the ring moved past the cursor, or the subscription resumed after an
// id the ring does not hold, the first is a gap event, whose id is the
// floor.
func (s *subscription) take(max int) ([]*feedEvent, <-chan struct{}) {
	h := s.h
	h.mu.RLock()
	defer h.mu.RUnlock()
	if s.next < h.oldest() {
		s.gap = &truce.Gap{Next: h.floor.Index + 1}
		s.next = h.oldest()
	}
	n := min(h.head-s.next, uint64(min(max, maxScan)))
	out := make([]*feedEvent, 0, n+1)
	if s.gap != nil {
		data, _ := json.Marshal(s.gap)
		out = append(out, &feedEvent{id: h.floor, typ: truce.EventGap, full: data})
		s.gap = nil
	}
	size := uint64(len(h.ring))
	for i := range n {
		out = append(out, h.ring[(s.next+i)%size])
	}
	s.next += n
	return out, h.wait
}

// Close implements [truce.Subscription].
func (s *subscription) Close() {}

// Subscribe implements [truce.Feed].
func (s *Service) Subscribe(ctx context.Context, f truce.FeedFilter, after *truce.EventID) (truce.Subscription, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	return s.feed.subscribe(truce.ReaderFrom(ctx), f, after), nil
}

func (h *hub) subscribe(r truce.Reader, f truce.FeedFilter, after *truce.EventID) *subscription {
	h.mu.RLock()
	defer h.mu.RUnlock()
	sub := &subscription{h: h, reader: r, filter: f, next: h.head}
	if after == nil {
		return sub
	}
	next, whole := h.after(*after)
	sub.next = next
	if !whole {
		sub.gap = &truce.Gap{After: after.String(), Next: h.floor.Index + 1}
		if !h.have {
			sub.gap.Next = 0
		}
	}
	return sub
}
