package service

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// stmt returns a statement event at index by signer.
func stmt(index uint64, kind truce.Kind, signer string) *feedEvent {
	return &feedEvent{id: truce.EventID{Index: index}, typ: truce.EventStatement, kind: string(kind), signer: signer,
		parties: []string{signer}, full: fmt.Appendf(nil, `{"index":%d}`, index)}
}

// ids returns the events' ids, and fails t if a Next call would wait.
func ids(t *testing.T, sub *subscription, max int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Next returns what is there, or ctx's error at once
	events, err := sub.Next(ctx, max)
	if err != nil && len(events) == 0 {
		return nil
	}
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type + ":" + e.ID.String()
	}
	return out
}

func TestHubResumeAndGap(t *testing.T) {
	h := newHub(4)
	h.start(10) // entries 0..9 were applied before the hub went live
	live := h.subscribe(truce.Public, truce.FeedFilter{}, nil)
	for i := uint64(10); i < 20; i++ {
		h.publish([]*feedEvent{stmt(i, truce.KindKeyAdd, "a")})
	}
	tests := []struct {
		name  string
		after *truce.EventID
		want  string
	}{
		{"held", &truce.EventID{Index: 17}, "[statement:18 statement:19]"},
		{"last", &truce.EventID{Index: 19}, "[]"},
		{"evicted", &truce.EventID{Index: 12}, "[gap:15 statement:16 statement:17 statement:18 statement:19]"},
		{"before the start", &truce.EventID{Index: 3}, "[gap:15 statement:16 statement:17 statement:18 statement:19]"},
		{"future", &truce.EventID{Index: 99}, "[gap:15 statement:16 statement:17 statement:18 statement:19]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fmt.Sprint(ids(t, h.subscribe(truce.Public, truce.FeedFilter{}, tt.after), 100))
			if got == "[]" && tt.want == "[]" {
				return
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	// A subscriber that never read holds only its cursor: it gets a gap,
	// then what the ring still holds.
	if got := fmt.Sprint(ids(t, live, 100)); got != "[gap:15 statement:16 statement:17 statement:18 statement:19]" {
		t.Errorf("subscriber that never read: %s", got)
	}
	var gap truce.Gap
	sub := h.subscribe(truce.Public, truce.FeedFilter{}, &truce.EventID{Index: 12})
	events, _ := sub.Next(context.Background(), 1)
	if err := json.Unmarshal(events[0].Data, &gap); err != nil || gap.Next != 16 || gap.After != "12" {
		t.Errorf("gap data %s: %v", events[0].Data, err)
	}
}

func TestHubVisibility(t *testing.T) {
	h := newHub(16)
	h.start(1)
	at := &truce.Where{Lat: 47.51, Lon: 34.59}
	coarse := &truce.Where{Lat: 47.5, Lon: 34.5}
	report := stmt(1, truce.KindReport, "ua")
	report.at, report.parties = at, []string{"ua", "ru"}
	hidden := &feedEvent{id: truce.EventID{Index: 1, Seq: 1}, typ: truce.EventIncident, kind: truce.EventIncident,
		parties: []string{"ru"}, full: []byte(`{"full":1}`), at: at}
	shown := &feedEvent{id: truce.EventID{Index: 1, Seq: 2}, typ: truce.EventIncident, kind: truce.EventIncident,
		parties: []string{"ru"}, full: []byte(`{"full":2}`), public: []byte(`{"public":2}`), at: at, publicAt: coarse}
	site := stmt(2, truce.KindKeyAdd, "ua") // a public kind
	party := truce.Reader{Member: "ru", Role: truce.RoleParty}
	source := truce.Reader{Member: "osint", Role: truce.RoleSource}
	author := truce.Reader{Member: "ua", Role: truce.RoleSource}
	near := &[4]float64{34.55, 47.505, 34.6, 47.52} // holds the precise point, not the coarse one
	tests := []struct {
		name   string
		reader truce.Reader
		filter truce.FeedFilter
		want   string
	}{
		{"party", party, truce.FeedFilter{}, `1:{"index":1} 1.1:{"full":1} 1.2:{"full":2} 2:{"index":2}`},
		{"public", truce.Public, truce.FeedFilter{}, `1.2:{"public":2} 2:{"index":2}`},
		{"source", source, truce.FeedFilter{}, `1.2:{"public":2} 2:{"index":2}`},
		{"its own report", author, truce.FeedFilter{}, `1:{"index":1} 1.2:{"public":2} 2:{"index":2}`},
		{"kind", party, truce.FeedFilter{Kinds: []string{"incident"}}, `1.1:{"full":1} 1.2:{"full":2}`},
		{"party filter", party, truce.FeedFilter{Party: "ru"}, `1:{"index":1} 1.1:{"full":1} 1.2:{"full":2}`},
		{"bbox, full", party, truce.FeedFilter{BBox: near}, `1:{"index":1} 1.1:{"full":1} 1.2:{"full":2}`},
		{"bbox, public: the coarse place only", truce.Public, truce.FeedFilter{BBox: near}, ``},
	}
	h.publish([]*feedEvent{report, hidden, shown, site})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := h.subscribe(tt.reader, tt.filter, &truce.EventID{Index: 0})
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			events, _ := sub.Next(ctx, 100)
			got := ""
			for i, e := range events {
				if i > 0 {
					got += " "
				}
				got += e.ID.String() + ":" + string(e.Data)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestHubWakesSubscribers(t *testing.T) {
	h := newHub(8)
	h.start(1)
	sub := h.subscribe(truce.Public, truce.FeedFilter{}, nil)
	got := make(chan []truce.Event)
	go func() {
		events, _ := sub.Next(context.Background(), 10)
		got <- events
	}()
	h.publish([]*feedEvent{stmt(1, truce.KindKeyAdd, "a")})
	if events := <-got; len(events) != 1 || events[0].ID.Index != 1 {
		t.Errorf("woken subscriber got %+v", events)
	}
}

func TestDeadlines(t *testing.T) {
	t0 := time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC)
	awaiting := func(id string, h int) *truce.Incident {
		dl := t0.Add(time.Duration(h) * time.Hour)
		return &truce.Incident{ID: id, Status: truce.StatusAwaitingReply, Assessment: truce.Assessment{ReplyDeadline: &dl}}
	}
	var d deadlines
	d.watch(awaiting("a", 3), t0)
	d.watch(awaiting("b", 1), t0)
	d.watch(awaiting("b", 1), t0) // changed again, same deadline: kept once
	d.watch(awaiting("c", 2), t0)
	d.watch(awaiting("old", -1), t0)                                   // passed before: not announced
	d.watch(&truce.Incident{ID: "c", Status: truce.StatusReplied}, t0) // replied: dropped
	if got := d.next(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("next = %v", got)
	}
	if got := fmt.Sprint(d.due(t0.Add(time.Hour))); got != "[]" {
		t.Errorf("due at the deadline itself: %s", got)
	}
	if got := fmt.Sprint(d.due(t0.Add(150 * time.Minute))); got != "[b]" {
		t.Errorf("due at 2h30: %s, want [b]", got)
	}
	if got := fmt.Sprint(d.due(t0.Add(24 * time.Hour))); got != "[a]" {
		t.Errorf("due at 24h: %s, want [a]", got)
	}
	if !d.next().IsZero() {
		t.Errorf("deadlines left: %v", d.h)
	}
}
