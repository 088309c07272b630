package service

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/truce-project/truce"
)

// incidentIndex orders incidents by start time in hourly buckets, with what
// the query filters read, so that a page of a time window is found
// without scanning every incident. The incidents themselves stay in the
// engine. It has its own lock.
type incidentIndex struct {
	mu    sync.RWMutex
	days  map[int64][]*incidentEntry // by day, sorted by (start, id)
	keys  []int64                    // the days, sorted
	where map[string]*incidentEntry
	// span is the longest end - start of any incident put, so that a
	// query looks back from its window's start only as far as an incident
	// that reaches into it can have started.
	span int64
}

// incidentEntry is what a query filters on.
type incidentEntry struct {
	id         string
	start, end int64 // unix nanoseconds
	lon, lat   float64
	grade      truce.Grade
	// status is the incident's stored status and deadline its reply
	// deadline (unix nanoseconds, 0 if none), from which a query derives
	// overdue at its own time.
	status   truce.IncidentStatus
	deadline int64
	// terms lists, space-separated and space-wrapped, the parties, clauses
	// and sites of the assessment: " ua ru E4 ru:E4 gppd:WRI1005114 ".
	terms string
}

func newIncidentIndex() *incidentIndex {
	return &incidentIndex{days: map[int64][]*incidentEntry{}, where: map[string]*incidentEntry{}}
}

// day is the width of a bucket. An hour, not a day: inserting into a
// sorted bucket costs its length, and a replay of a million incidents
// over a month put 33,000 in a day.
const day = int64(time.Hour)

func dayOf(ns int64) int64 {
	if ns < 0 {
		return (ns+1)/day - 1
	}
	return ns / day
}

func entryOf(inc *truce.Incident) *incidentEntry {
	var b strings.Builder
	b.WriteString(" ")
	add := func(s string) { b.WriteString(s); b.WriteString(" ") }
	for _, a := range inc.Accused {
		add(a)
	}
	for _, p := range inc.Assessment.Parties {
		add(p.Party)
		for _, c := range p.Clauses {
			add(c)
			add(p.Party + ":" + c)
		}
	}
	for _, s := range inc.Assessment.Sites {
		add("site=" + s.Site)
	}
	e := &incidentEntry{id: inc.ID, start: inc.Start.UnixNano(), end: inc.End.UnixNano(),
		lon: inc.Where.Lon, lat: inc.Where.Lat, grade: inc.Assessment.Grade, status: inc.Status, terms: b.String()}
	if d := inc.Assessment.ReplyDeadline; d != nil {
		e.deadline = d.UnixNano()
	}
	return e
}

func less(a, b *incidentEntry) int {
	if a.start != b.start {
		if a.start < b.start {
			return -1
		}
		return 1
	}
	return strings.Compare(a.id, b.id)
}

// put adds or replaces an incident.
func (x *incidentIndex) put(inc *truce.Incident) {
	e := entryOf(inc)
	x.mu.Lock()
	defer x.mu.Unlock()
	if old := x.where[e.id]; old != nil {
		x.remove(old)
	}
	x.span = max(x.span, e.end-e.start)
	d := dayOf(e.start)
	bucket := x.days[d]
	if bucket == nil {
		i, _ := slices.BinarySearch(x.keys, d)
		x.keys = slices.Insert(x.keys, i, d)
	}
	i, _ := slices.BinarySearchFunc(bucket, e, less)
	x.days[d] = slices.Insert(bucket, i, e)
	x.where[e.id] = e
}

func (x *incidentIndex) remove(e *incidentEntry) {
	d := dayOf(e.start)
	bucket := x.days[d]
	if i, ok := slices.BinarySearchFunc(bucket, e, less); ok {
		bucket = slices.Delete(bucket, i, i+1)
	}
	if len(bucket) == 0 {
		delete(x.days, d)
		if i, ok := slices.BinarySearch(x.keys, d); ok {
			x.keys = slices.Delete(x.keys, i, i+1)
		}
	} else {
		x.days[d] = bucket
	}
	delete(x.where, e.id)
}

// query returns the ids of up to limit incidents q selects at time now, in
// order, and whether more follow. An incident spanning days is filed under
// its start; a window's first day is therefore searched from the longest
// span back.
func (x *incidentIndex) query(q *truce.IncidentQuery, limit int, now time.Time) ([]string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	from, to := int64(-1<<63), int64(1<<63-1)
	if q.From != nil {
		from = q.From.UnixNano()
	}
	if q.To != nil {
		to = q.To.UnixNano()
	}
	var after *incidentEntry
	if q.After != "" {
		after = x.where[q.After]
	}
	firstDay := dayOf(max(from, -1<<62) - x.span)
	if after != nil {
		firstDay = max(firstDay, dayOf(after.start))
	}
	start, _ := slices.BinarySearch(x.keys, firstDay)
	var ids []string
	for _, d := range x.keys[start:] {
		if d > dayOf(to) {
			break
		}
		for _, e := range x.days[d] {
			if after != nil && less(e, after) <= 0 {
				continue
			}
			if !e.selected(q, from, to) || q.Status != "" && e.statusAt(now) != q.Status {
				continue
			}
			if len(ids) == limit {
				return ids, true
			}
			ids = append(ids, e.id)
		}
	}
	return ids, false
}

func (e *incidentEntry) selected(q *truce.IncidentQuery, from, to int64) bool {
	switch {
	case e.end < from || e.start > to:
		return false
	case q.BBox != nil && !(e.lon >= q.BBox[0] && e.lon <= q.BBox[2] && e.lat >= q.BBox[1] && e.lat <= q.BBox[3]):
		return false
	case q.Grade != "" && e.grade != q.Grade:
		return false
	case q.Party != "" && !strings.Contains(e.terms, " "+q.Party+" "):
		return false
	case q.Clause != "" && !strings.Contains(e.terms, " "+q.Clause+" "):
		return false
	case q.Site != "" && !strings.Contains(e.terms, " site="+q.Site+" "):
		return false
	}
	return true
}

// statusAt is the incident's status as a reader sees it at now: see
// [truce.Incident.StatusAt].
func (e *incidentEntry) statusAt(now time.Time) truce.IncidentStatus {
	if e.status == truce.StatusAwaitingReply && e.deadline != 0 && now.UnixNano() > e.deadline {
		return truce.StatusOverdue
	}
	return e.status
}
