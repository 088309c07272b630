package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/truce-project/truce"
)

// Near returns the items within metres of p that f selects, with their
// distances as Distance measures them: nearest first, and by ID among
// items at the same distance. An item at exactly metres is included.
//
// Near returns nil if p is NaN or infinite, or metres is negative, NaN
// or infinite. A finite p outside the valid range is clamped, as
// Distance does.
func (x *Index[ID]) Near(p truce.Position, metres float64, f Filter) []Hit[ID] {
	if !finite(p) || !(metres >= 0) || math.IsInf(metres, 1) {
		return nil
	}
	m := newMeasure(p)
	b := m.box(metres)
	x.mu.RLock()
	defer x.mu.RUnlock()
	t := x.t
	match := t.matcher(&f)
	var hitBuf [64]Hit[ID]
	hits := hitBuf[:0]
	t.scanPoints(b, func(e *point[ID]) {
		if match.cats != nil && !match.cats[e.cat] || match.timed && e.timed && !match.active(&t.slots[e.slot]) {
			return
		}
		if d := m.to(e.lon, e.lat); d <= metres {
			hits = append(hits, Hit[ID]{ID: e.id, Metres: d})
		}
	})
	// An item with edges is as near as its nearest edge. An edge whose
	// box misses b is further than metres, and so is its item unless an
	// edge in b is nearer.
	var nearBuf [64]slotHit[ID]
	near := nearBuf[:0]
	q := orb.Point{m.lon, m.lat}
	t.scanEdges(b, func(e *edge[ID]) {
		switch {
		case match.cats != nil && !match.cats[e.cat]:
		case e.flags&edgeArea != 0:
			if e.box.Contains(q) && (e.flags&edgeFull != 0 || inside(t.shapes[e.slot], q)) {
				near = append(near, slotHit[ID]{e.slot, e.id, 0})
			}
		default:
			a, b := t.ends(e)
			if d := m.segment(a, b); d <= metres {
				near = append(near, slotHit[ID]{e.slot, e.id, d})
			}
		}
	})
	eachNearest(near, func(h slotHit[ID]) {
		if !match.timed || match.active(&t.slots[h.slot]) {
			hits = append(hits, Hit[ID]{ID: h.id, Metres: h.d})
		}
	})
	return sorted(hits, metres)
}

// sorted returns a new slice of hits, which lie within r metres, ordered
// by distance, then ID. Hits spread over the disc of radius r about
// evenly, so a counting sort into as many rings of equal area as there are
// hits leaves them nearly in order, and a pass of insertion sort finishes
// the work. That takes a fraction of the time of slices.SortFunc, which
// takes over if there are many hits or the pass finds them far from
// order (say, many at one distance).
func sorted[ID cmp.Ordered](hits []Hit[ID], r float64) []Hit[ID] {
	out := make([]Hit[ID], len(hits))
	var count [257]int32
	if n := len(hits); n < len(count) && r > 0 {
		scale := float64(n) / (r * r)
		ring := func(d float64) int { return min(int(d*d*scale), n-1) }
		for _, h := range hits {
			count[ring(h.Metres)+1]++
		}
		for i := 1; i <= n; i++ {
			count[i] += count[i-1]
		}
		for _, h := range hits {
			k := ring(h.Metres)
			out[count[k]] = h
			count[k]++
		}
		if insertionSort(out, 8*n) {
			return out
		}
	} else {
		copy(out, hits)
	}
	slices.SortFunc(out, func(a, b Hit[ID]) int {
		return cmp.Or(compareFloat(a.Metres, b.Metres), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// insertionSort orders hits by distance, then ID, unless that takes more
// than budget moves, and reports whether it did.
func insertionSort[ID cmp.Ordered](h []Hit[ID], budget int) bool {
	for i := 1; i < len(h); i++ {
		x, j := h[i], i
		for ; j > 0 && (x.Metres < h[j-1].Metres || x.Metres == h[j-1].Metres && x.ID < h[j-1].ID); j-- {
			h[j] = h[j-1]
		}
		h[j] = x
		if budget -= i - j; budget < 0 {
			return false
		}
	}
	return true
}

// eachNearest calls f with the nearest edge hit of each slot. It sorts
// keys of slot and index, as sorted does, and takes the nearest of each
// run of one slot.
func eachNearest[ID cmp.Ordered](near []slotHit[ID], f func(h slotHit[ID])) {
	var buf [64]uint64
	keys := buf[:0]
	for i, h := range near {
		keys = append(keys, uint64(h.slot)<<32|uint64(i))
	}
	slices.Sort(keys)
	for i := 0; i < len(keys); {
		best := near[uint32(keys[i])]
		for i++; i < len(keys) && uint32(keys[i]>>32) == best.slot; i++ {
			if h := near[uint32(keys[i])]; h.d < best.d {
				best = h
			}
		}
		f(best)
	}
}

// compareFloat is cmp.Compare for numbers that are never NaN.
func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intersects reports whether boxes a and b share a point.
func intersects(a, b orb.Bound) bool {
	return a.Min[0] <= b.Max[0] && a.Max[0] >= b.Min[0] && a.Min[1] <= b.Max[1] && a.Max[1] >= b.Min[1]
}

// slotHit is an edge near the query point.
type slotHit[ID cmp.Ordered] struct {
	slot uint32
	id   ID
	d    float64
}

// inside reports whether q lies in the polygon or multipolygon g.
func inside(g orb.Geometry, q orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return polygonContains(g, q)
	case orb.MultiPolygon:
		return slices.ContainsFunc(g, func(p orb.Polygon) bool { return polygonContains(p, q) })
	}
	return false
}

// InBox returns, ordered by ID, the items that f selects and whose
// geometry meets the box from west to east and south to north, in
// degrees, edges included. A box whose west is greater than its east
// crosses the antimeridian: it spans west to 180 and -180 to east. Finite
// bounds out of range are clamped to it. InBox returns nil if a bound is
// NaN or south is greater than north.
func (x *Index[ID]) InBox(west, south, east, north float64, f Filter) []ID {
	if math.IsNaN(west) || math.IsNaN(south) || math.IsNaN(east) || math.IsNaN(north) || south > north {
		return nil
	}
	lon := func(v float64) float64 { return max(-180, min(180, v)) }
	lat := func(v float64) float64 { return max(-90, min(90, v)) }
	west, south, east, north = lon(west), lat(south), lon(east), lat(north)
	boxes := []orb.Bound{{Min: orb.Point{west, south}, Max: orb.Point{east, north}}}
	if west > east {
		boxes = []orb.Bound{
			{Min: orb.Point{west, south}, Max: orb.Point{180, north}},
			{Min: orb.Point{-180, south}, Max: orb.Point{east, north}},
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	t := x.t
	match := t.matcher(&f)
	var found []uint32
	for _, b := range boxes {
		t.scanPoints(b, func(e *point[ID]) {
			if match.match(&t.slots[e.slot]) {
				found = append(found, e.slot)
			}
		})
		t.scanEdges(b, func(e *edge[ID]) {
			var meets bool
			if e.flags&edgeArea != 0 {
				meets = e.box.Contains(b.Min) && (e.flags&edgeFull != 0 || inside(t.shapes[e.slot], b.Min))
			} else {
				p, q := t.ends(e)
				meets = segmentMeets(p, q, b)
			}
			if meets && match.match(&t.slots[e.slot]) {
				found = append(found, e.slot)
			}
		})
	}
	slices.SortFunc(found, func(a, b uint32) int { return cmp.Compare(t.ids[a], t.ids[b]) })
	found = slices.Compact(found)
	ids := make([]ID, len(found))
	for i, s := range found {
		ids[i] = t.ids[s]
	}
	return ids
}

// scanPoints calls f with every point in box b.
func (t *table[ID]) scanPoints(b orb.Bound, f func(e *point[ID])) {
	l := &t.points
	if l.n == 0 {
		return
	}
	y0, y1 := l.bands(b)
	for y := y0; y <= y1; y++ {
		s := &l.strips[y]
		row := s.e
		lo, hi := s.span(b.Min[0])
		for i := lo + lowerPoint(row[lo:hi], b.Min[0]); i < len(row) && row[i].lon <= b.Max[0]; i++ {
			if e := &row[i]; e.lat >= b.Min[1] && e.lat <= b.Max[1] {
				f(e)
			}
		}
	}
}

// lowerPoint returns the index of the first point of row at lon or east
// of it.
func lowerPoint[ID cmp.Ordered](row []point[ID], lon float64) int {
	lo, hi := 0, len(row)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if row[m].lon < lon {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// scanEdges calls f, once, with every edge whose box meets box b. An
// edge listed in several bands is reported from the first that b meets.
func (t *table[ID]) scanEdges(b orb.Bound, f func(e *edge[ID])) {
	if l := &t.edges; l.n > 0 {
		y0, y1 := l.bands(b)
		for y := y0; y <= y1; y++ {
			s := &l.strips[y]
			row, west := s.e, b.Min[0]-float64(s.wide)
			lo, hi := s.span(west)
			for i := lo + lowerEdge(row[lo:hi], west); i < len(row) && row[i].box.Min[0] <= b.Max[0]; i++ {
				e := &row[i]
				if e.box.Max[0] >= b.Min[0] && e.box.Min[1] <= b.Max[1] && e.box.Max[1] >= b.Min[1] &&
					max(l.band(e.box.Min[1]), y0) == y {
					f(e)
				}
			}
		}
	}
	for i := range t.huge {
		if e := &t.huge[i]; intersects(e.box, b) {
			f(e)
		}
	}
}

// ends returns the ends of the segment that edge e is or is a piece of.
func (t *table[ID]) ends(e *edge[ID]) (a, b orb.Point) {
	if e.flags&edgePiece != 0 {
		return segment(t.shapes[e.slot], e.seg)
	}
	return e.ends()
}

// lowerEdge returns the index of the first edge of row whose west side
// is at lon or east of it.
func lowerEdge[ID cmp.Ordered](row []edge[ID], lon float64) int {
	lo, hi := 0, len(row)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if row[m].box.Min[0] < lon {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// matcher is a Filter made ready for one table.
type matcher struct {
	cats  []bool // by category number; nil selects every category
	at    instant
	timed bool
}

func (t *table[ID]) matcher(f *Filter) matcher {
	var m matcher
	if len(f.Categories) > 0 {
		m.cats = make([]bool, len(t.cats))
		for i, c := range t.cats {
			m.cats[i] = slices.ContainsFunc(f.Categories, func(fc truce.Category) bool { return fc.Covers(c) })
		}
	}
	if !f.At.IsZero() {
		m.timed, m.at = true, toInstant(f.At, 0)
	}
	return m
}

func (m *matcher) match(s *slot) bool {
	return (m.cats == nil || m.cats[s.cat]) && (!m.timed || m.active(s))
}

// active reports whether s is active at the filter's time.
func (m *matcher) active(s *slot) bool {
	return !m.at.before(s.from) && m.at.before(s.until)
}

// segmentMeets reports whether the segment pq meets the box b. It clips
// the segment's parameter range [0, 1] against each of the box's four
// edges in turn (the Liang-Barsky method) and tests whether any is left.
func segmentMeets(p, q orb.Point, b orb.Bound) bool {
	lo, hi := 0.0, 1.0
	dx, dy := q[0]-p[0], q[1]-p[1]
	for _, e := range [4][2]float64{
		{-dx, p[0] - b.Min[0]}, {dx, b.Max[0] - p[0]},
		{-dy, p[1] - b.Min[1]}, {dy, b.Max[1] - p[1]},
	} {
		den, num := e[0], e[1]
		switch {
		case den == 0 && num < 0:
			return false // parallel to the edge and outside it
		case den < 0:
			lo = max(lo, num/den)
		case den > 0:
			hi = min(hi, num/den)
		}
		if lo > hi {
			return false
		}
	}
	return true
}
