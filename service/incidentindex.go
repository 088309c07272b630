package service

import (
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truce-project/truce"
)

// incidentIndex files incidents by the degree cell of their place and,
// within a cell, by the hour of their start, with what the query filters
// read. A query with a box reads the cells that meet it, each from the
// first hour that can reach its window, and merges them in order, so that
// a page is found without scanning every incident of the window. The
// incidents themselves stay in the engine. It has its own lock.
type incidentIndex struct {
	mu    sync.RWMutex
	cells map[cell]*cellIndex
	where map[string]incidentEntry
	// span is the longest end - start of any incident put, so that a
	// query looks back from its window's start only as far as an incident
	// that reaches into it can have started.
	span int64
}

// cell is a degree of longitude by a degree of latitude, by its south-west
// corner.
type cell struct{ lon, lat int16 }

func cellOf(lon, lat float64) cell {
	return cell{int16(math.Floor(lon)), int16(math.Floor(lat))}
}

// cellIndex holds a cell's incidents in hourly buckets: hours is sorted,
// and each bucket's entries are values sorted by (start, id), so that a
// query reads them from memory in order, and an insert moves at most an
// hour's incidents of one cell.
type cellIndex struct {
	hours   []int64
	buckets [][]incidentEntry
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
	// and sites of the assessment: " ua ru E4 ru:E4 site=gppd:WRI1005114 ".
	terms string
	// json caches the incident's encodings for readers who see all of it.
	json *incidentJSON
}

func newIncidentIndex() *incidentIndex {
	return &incidentIndex{cells: map[cell]*cellIndex{}, where: map[string]incidentEntry{}}
}

// hour is the width of a time bucket.
const hour = int64(time.Hour)

func hourOf(ns int64) int64 {
	if ns < 0 {
		return (ns+1)/hour - 1
	}
	return ns / hour
}

func entryOf(inc *truce.Incident) incidentEntry {
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
	e := incidentEntry{id: inc.ID, start: inc.Start.UnixNano(), end: inc.End.UnixNano(),
		lon: inc.Where.Lon, lat: inc.Where.Lat, grade: inc.Assessment.Grade, status: inc.Status,
		terms: b.String(), json: &incidentJSON{}}
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

func lessValue(a incidentEntry, b *incidentEntry) int { return less(&a, b) }

// put adds or replaces an incident.
func (x *incidentIndex) put(inc *truce.Incident) {
	e := entryOf(inc)
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.where[e.id]; ok {
		x.remove(&old)
	}
	x.span = max(x.span, e.end-e.start)
	c := cellOf(e.lon, e.lat)
	ci := x.cells[c]
	if ci == nil {
		ci = &cellIndex{}
		x.cells[c] = ci
	}
	h := hourOf(e.start)
	i, found := slices.BinarySearch(ci.hours, h)
	if !found {
		ci.hours = slices.Insert(ci.hours, i, h)
		ci.buckets = slices.Insert(ci.buckets, i, nil)
	}
	bucket := ci.buckets[i]
	j, _ := slices.BinarySearchFunc(bucket, &e, lessValue)
	ci.buckets[i] = slices.Insert(bucket, j, e)
	x.where[e.id] = e
}

func (x *incidentIndex) remove(e *incidentEntry) {
	c := cellOf(e.lon, e.lat)
	ci := x.cells[c]
	i, _ := slices.BinarySearch(ci.hours, hourOf(e.start))
	bucket := ci.buckets[i]
	if j, ok := slices.BinarySearchFunc(bucket, e, lessValue); ok {
		bucket = slices.Delete(bucket, j, j+1)
	}
	if len(bucket) == 0 {
		ci.hours = slices.Delete(ci.hours, i, i+1)
		ci.buckets = slices.Delete(ci.buckets, i, i+1)
	} else {
		ci.buckets[i] = bucket
	}
	if len(ci.hours) == 0 {
		delete(x.cells, c)
	}
	delete(x.where, e.id)
}

// cursor walks one cell's entries in order from a first hour.
type cursor struct {
	ci           *cellIndex
	bucket, next int // position of the next entry
}

// head returns the cursor's next entry, or nil when the cell is done.
func (c *cursor) head() *incidentEntry {
	for c.bucket < len(c.ci.buckets) {
		if b := c.ci.buckets[c.bucket]; c.next < len(b) {
			return &b[c.next]
		}
		c.bucket, c.next = c.bucket+1, 0
	}
	return nil
}

// filter is a query made ready to test entries against.
type filter struct {
	q                   *truce.IncidentQuery
	from, to            int64
	party, clause, site string // the needles in incidentEntry.terms
	now                 time.Time
	after               *incidentEntry
	lastHour            int64
}

func newFilter(q *truce.IncidentQuery, now time.Time) filter {
	f := filter{q: q, from: math.MinInt64, to: math.MaxInt64, now: now, lastHour: math.MaxInt64}
	if q.From != nil {
		f.from = q.From.UnixNano()
	}
	if q.To != nil {
		f.to = q.To.UnixNano()
	}
	if q.Party != "" {
		f.party = " " + q.Party + " "
	}
	if q.Clause != "" {
		f.clause = " " + q.Clause + " "
	}
	if q.Site != "" {
		f.site = " site=" + q.Site + " "
	}
	return f
}

func (f *filter) selects(e *incidentEntry) bool {
	q := f.q
	switch {
	case e.end < f.from || e.start > f.to:
		return false
	case f.after != nil && less(e, f.after) <= 0:
		return false
	case q.BBox != nil && !(e.lon >= q.BBox[0] && e.lon <= q.BBox[2] && e.lat >= q.BBox[1] && e.lat <= q.BBox[3]):
		return false
	case q.Grade != "" && e.grade != q.Grade:
		return false
	case f.party != "" && !strings.Contains(e.terms, f.party):
		return false
	case f.clause != "" && !strings.Contains(e.terms, f.clause):
		return false
	case f.site != "" && !strings.Contains(e.terms, f.site):
		return false
	case q.Status != "" && e.statusAt(f.now) != q.Status:
		return false
	}
	return true
}

// query returns up to limit entries that q selects at time now, in order,
// and whether more follow. An incident spanning hours is filed under its
// start; a window's first hour is therefore searched from the longest
// span back.
func (x *incidentIndex) query(q *truce.IncidentQuery, limit int, now time.Time) ([]incidentEntry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f := newFilter(q, now)
	if e, ok := x.where[q.After]; ok && q.After != "" {
		f.after = &e
	}
	firstHour := hourOf(max(f.from, -1<<62) - x.span)
	if f.after != nil {
		firstHour = max(firstHour, hourOf(f.after.start))
	}
	f.lastHour = hourOf(f.to)
	cursors := x.cursors(q.BBox, firstHour)
	var out []incidentEntry
	for {
		e := f.next(cursors)
		if e == nil {
			return out, false
		}
		if len(out) == limit {
			return out, true
		}
		out = append(out, *e)
	}
}

// cursors returns a cursor at firstHour for each cell that meets bbox,
// or for every cell without one.
func (x *incidentIndex) cursors(bbox *[4]float64, firstHour int64) []cursor {
	var cs []cursor
	add := func(ci *cellIndex) {
		if ci != nil {
			i, _ := slices.BinarySearch(ci.hours, firstHour)
			cs = append(cs, cursor{ci: ci, bucket: i})
		}
	}
	if bbox != nil {
		sw, ne := cellOf(bbox[0], bbox[1]), cellOf(bbox[2], bbox[3])
		if n := (int(ne.lon) - int(sw.lon) + 1) * (int(ne.lat) - int(sw.lat) + 1); n <= len(x.cells) {
			for lon := sw.lon; lon <= ne.lon; lon++ {
				for lat := sw.lat; lat <= ne.lat; lat++ {
					add(x.cells[cell{lon, lat}])
				}
			}
			return cs
		}
	}
	for _, ci := range x.cells {
		add(ci)
	}
	return cs
}

// next returns the least entry the filter selects among the cursors'
// heads, advancing past those it does not select, or nil when every cell
// is past the window.
func (f *filter) next(cs []cursor) *incidentEntry {
	var best *incidentEntry
	bi := -1
	for i := range cs {
		c := &cs[i]
		for {
			e := c.head()
			if e == nil || c.ci.hours[c.bucket] > f.lastHour {
				break
			}
			if f.selects(e) {
				if best == nil || less(e, best) < 0 {
					best, bi = e, i
				}
				break
			}
			c.next++
		}
	}
	if best != nil {
		cs[bi].next++
	}
	return best
}

// each calls fn for every incident entry, ordered by start and id.
func (x *incidentIndex) each(fn func(*incidentEntry)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f := newFilter(&truce.IncidentQuery{}, time.Time{})
	cs := x.cursors(nil, math.MinInt64)
	for e := f.next(cs); e != nil; e = f.next(cs) {
		fn(e)
	}
}

// statusAt is the incident's status as a reader sees it at now: see
// [truce.Incident.StatusAt].
func (e *incidentEntry) statusAt(now time.Time) truce.IncidentStatus {
	if e.status == truce.StatusAwaitingReply && e.deadline != 0 && now.UnixNano() > e.deadline {
		return truce.StatusOverdue
	}
	return e.status
}

// incidentJSON caches the encodings of one version of an incident, as a
// reader who sees all of it gets it: with its stored status, and as
// overdue. A new version of the incident gets a new cache.
type incidentJSON struct {
	stored, overdue atomic.Pointer[[]byte]
}

func (c *incidentJSON) slot(status truce.IncidentStatus) *atomic.Pointer[[]byte] {
	if status == truce.StatusOverdue {
		return &c.overdue
	}
	return &c.stored
}
