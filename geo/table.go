package geo

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/truce-project/truce"
)

// table is the contents of an index: the items by slot, the points in
// latitude bands, and the edges of lines and polygons in other bands.
type table[ID cmp.Ordered] struct {
	points layer[point[ID]]
	edges  layer[edge[ID]]
	huge   []edge[ID] // edges too large to cut
	slots  []slot
	ids    []ID
	shapes []orb.Geometry // nil for a point
	free   []uint32       // slots of removed items, for reuse
	byID   map[ID]uint32
	cats   []truce.Category // interned categories, by number
	catIdx map[truce.Category]uint16
}

// slot is what the index knows of an item beside its ID and geometry. A
// point's position is its box's Min.
type slot struct {
	box         orb.Bound
	from, until instant
	cat         uint16
}

// timed reports whether the item has a From or an Until.
func (s *slot) timed() bool { return s.from.sec != math.MinInt64 || s.until.sec != math.MaxInt64 }

// instant is a time as seconds and nanoseconds since 1970, which compare
// faster than time.Time, with "always" and "never" at the extremes.
type instant struct {
	sec  int64
	nsec int32
}

func toInstant(t time.Time, zero int64) instant {
	if t.IsZero() {
		return instant{sec: zero}
	}
	return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())}
}

func (a instant) before(b instant) bool {
	return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec
}

func newTable[ID cmp.Ordered](band float64, n int) *table[ID] {
	return &table[ID]{
		points: newLayer(band, 2*band, pointKey[ID], comparePoints[ID]),
		edges:  newLayer(edgeBand, 2*edgeBand, edgeKey[ID], compareEdges[ID]),
		byID:   make(map[ID]uint32, n),
		catIdx: map[truce.Category]uint16{},
	}
}

// build fills an empty table with items: see Index.Build.
func (t *table[ID]) build(items []Item[ID]) error {
	t.slots = make([]slot, len(items))
	t.ids = make([]ID, len(items))
	t.shapes = make([]orb.Geometry, len(items))
	points := make([][]point[ID], len(t.points.strips))
	edges := make([][]edge[ID], len(t.edges.strips))
	for i := range items {
		it, s := &items[i], uint32(i)
		p, err := prepare(it)
		if err != nil {
			return err
		}
		if _, dup := t.byID[it.ID]; dup {
			return truce.Errorf(truce.EINVALID, "Item %v appears twice.", it.ID)
		}
		cat, err := t.intern(it.Category)
		if err != nil {
			return err
		}
		t.byID[it.ID] = s
		t.set(s, it, &p, cat)
		if p.shape == nil {
			y := t.points.band(p.box.Min[1])
			points[y] = append(points[y], t.point(s))
			continue
		}
		t.eachEdge(s, func(huge bool, e edge[ID]) {
			if huge {
				t.huge = append(t.huge, e)
				return
			}
			l := &t.edges
			y0, y1 := l.bands(e.box)
			for y := y0; y <= y1; y++ {
				edges[y] = append(edges[y], e)
				l.strips[y].widen(e.box.Max[0] - e.box.Min[0])
			}
		})
	}
	t.points.fill(points)
	t.edges.fill(edges)
	return nil
}

// set sets slot s to item it, of category number cat.
func (t *table[ID]) set(s uint32, it *Item[ID], p *prepared, cat uint16) {
	t.slots[s] = slot{
		box:   p.box,
		from:  toInstant(it.From, math.MinInt64),
		until: toInstant(it.Until, math.MaxInt64),
		cat:   cat,
	}
	t.ids[s] = it.ID
	t.shapes[s] = p.shape
}

// intern returns the number of category c, adding it if it is new. It
// returns ETOOLARGE if the table has as many categories as a number can
// name, 65,536: the taxonomy has a few dozen.
func (t *table[ID]) intern(c truce.Category) (uint16, error) {
	if n, ok := t.catIdx[c]; ok {
		return n, nil
	}
	if len(t.cats) > math.MaxUint16 {
		return 0, truce.Errorf(truce.ETOOLARGE, "The index holds %d categories; it cannot take %q.", len(t.cats), c)
	}
	n := uint16(len(t.cats))
	t.cats = append(t.cats, c)
	t.catIdx[c] = n
	return n, nil
}

// point returns the band entry of point slot s.
func (t *table[ID]) point(s uint32) point[ID] {
	sl := &t.slots[s]
	return point[ID]{lon: sl.box.Min[0], lat: sl.box.Min[1], id: t.ids[s], slot: s, cat: sl.cat, timed: sl.timed()}
}

// eachEdge calls f with each edge of the line or polygon in slot s, and
// whether it is too large to cut: every segment of every line and ring,
// in pieces if it is long; a line of one position as a segment from it to
// itself; and for a polygon or multipolygon its box as an area, in tiles
// unless it would take more than maxPieces.
func (t *table[ID]) eachEdge(s uint32, f func(huge bool, e edge[ID])) {
	sl, g := &t.slots[s], t.shapes[s]
	emit := func(huge bool, e edge[ID]) {
		e.id, e.slot, e.cat = t.ids[s], s, sl.cat
		f(huge, e)
	}
	var seg uint32
	eachSegment(g, func(a, b orb.Point) {
		e := newEdge[ID](a, b)
		e.seg, seg = seg, seg+1
		n := max(cuts(e.box)) // at most 360/pieceLon
		if n == 1 {
			emit(false, e)
			return
		}
		for i := 0.0; i < n; i++ {
			p := newEdge[ID](lerp(a, b, i/n), lerp(a, b, (i+1)/n))
			emit(false, edge[ID]{box: pad(p.box), seg: e.seg, flags: edgePiece})
		}
	})
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		nx, ny := cuts(sl.box)
		if nx*ny > maxPieces {
			emit(true, edge[ID]{box: sl.box, flags: edgeArea})
			return
		}
		tiles := newTiling(sl.box, int(nx), int(ny))
		class := tiles.classify(g)
		for i := range tiles.nx {
			for j := range tiles.ny {
				e := edge[ID]{box: tiles.tile(i, j), flags: edgeArea}
				switch class[i*tiles.ny+j] {
				case tileOutside:
					continue
				case tileInside:
					e.flags |= edgeFull
				}
				emit(false, e)
			}
		}
	}
}

// tiling cuts the box of a polygon into tiles.
type tiling struct {
	box    orb.Bound
	nx, ny int
	w, h   float64
}

func newTiling(b orb.Bound, nx, ny int) tiling {
	return tiling{box: b, nx: nx, ny: ny,
		w: (b.Max[0] - b.Min[0]) / float64(nx), h: (b.Max[1] - b.Min[1]) / float64(ny)}
}

// tile returns the box of tile (i, j), padded.
func (t *tiling) tile(i, j int) orb.Bound {
	b := t.box
	return pad(orb.Bound{
		Min: orb.Point{b.Min[0] + float64(i)*t.w, b.Min[1] + float64(j)*t.h},
		Max: orb.Point{b.Min[0] + float64(i+1)*t.w, b.Min[1] + float64(j+1)*t.h},
	})
}

// Tile classes.
const (
	tileBoundary = iota // a ring may cross the tile
	tileInside          // the polygon covers the tile
	tileOutside         // the tile lies outside the polygon
)

// maxClassify bounds the work of classify, in segments times tiles.
const maxClassify = 1 << 20

// classify returns the class of each tile, by i*ny+j: a tile that no
// segment of g meets lies wholly inside or outside it, as its centre
// does. A query needs to test whether a point lies in g only in a
// boundary tile. For a polygon of one tile, or one too large to classify
// at a reasonable cost, every tile is a boundary tile.
func (t *tiling) classify(g orb.Geometry) []uint8 {
	class := make([]uint8, t.nx*t.ny)
	n := 0
	eachSegment(g, func(a, b orb.Point) { n++ })
	if len(class) == 1 || n*len(class) > maxClassify {
		return class
	}
	for i := range class {
		class[i] = tileOutside
	}
	cell := func(v, origin, size float64, n int) int { return max(0, min(int((v-origin)/size), n-1)) }
	eachSegment(g, func(a, b orb.Point) {
		i0, i1 := cell(min(a[0], b[0]), t.box.Min[0], t.w, t.nx), cell(max(a[0], b[0]), t.box.Min[0], t.w, t.nx)
		j0, j1 := cell(min(a[1], b[1]), t.box.Min[1], t.h, t.ny), cell(max(a[1], b[1]), t.box.Min[1], t.h, t.ny)
		for i := max(i0-1, 0); i <= min(i1+1, t.nx-1); i++ {
			for j := max(j0-1, 0); j <= min(j1+1, t.ny-1); j++ {
				if segmentMeets(a, b, t.tile(i, j)) {
					class[i*t.ny+j] = tileBoundary
				}
			}
		}
	})
	for i := range t.nx {
		for j := range t.ny {
			if k := i*t.ny + j; class[k] == tileOutside && inside(g, t.tile(i, j).Center()) {
				class[k] = tileInside
			}
		}
	}
	return class
}

// lerp returns the point a fraction f of the way from a to b.
func lerp(a, b orb.Point, f float64) orb.Point {
	return orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
}

// pad widens b by piecePad on every side.
func pad(b orb.Bound) orb.Bound {
	return orb.Bound{
		Min: orb.Point{b.Min[0] - piecePad, b.Min[1] - piecePad},
		Max: orb.Point{b.Max[0] + piecePad, b.Max[1] + piecePad},
	}
}

// eachSegment calls f with each segment of every line and ring of g, in
// order, and a line of one position as a segment from it to itself.
func eachSegment(g orb.Geometry, f func(a, b orb.Point)) {
	eachLine(g, func(l []orb.Point) {
		if len(l) == 1 {
			f(l[0], l[0])
		}
		for i := 1; i < len(l); i++ {
			f(l[i-1], l[i])
		}
	})
}

// segment returns the k'th segment of g in the order of eachSegment.
func segment(g orb.Geometry, k uint32) (a, b orb.Point) {
	n := int(k)
	eachLine(g, func(l []orb.Point) {
		switch {
		case n < 0:
		case len(l) == 1 && n == 0:
			a, b = l[0], l[0]
		case n < len(l)-1:
			a, b = l[n], l[n+1]
		}
		n -= max(len(l)-1, min(len(l), 1))
	})
	return a, b
}

// insert adds it, of category number cat, which must not be in t.
func (t *table[ID]) insert(it *Item[ID], p *prepared, cat uint16) {
	var s uint32
	if n := len(t.free); n > 0 {
		s, t.free = t.free[n-1], t.free[:n-1]
	} else {
		s = uint32(len(t.slots))
		t.slots = append(t.slots, slot{})
		t.ids = append(t.ids, it.ID)
		t.shapes = append(t.shapes, nil)
	}
	t.set(s, it, p, cat)
	t.byID[it.ID] = s
	if p.shape == nil {
		t.points.insert(t.points.band(p.box.Min[1]), t.point(s))
		return
	}
	t.eachEdge(s, func(huge bool, e edge[ID]) {
		if huge {
			t.huge = append(t.huge, e)
			return
		}
		l := &t.edges
		y0, y1 := l.bands(e.box)
		for y := y0; y <= y1; y++ {
			l.insert(y, e)
			l.strips[y].widen(e.box.Max[0] - e.box.Min[0])
		}
	})
}

// remove removes the item with id, if there is one, and reports whether
// there was.
func (t *table[ID]) remove(id ID) bool {
	s, ok := t.byID[id]
	if !ok {
		return false
	}
	if t.shapes[s] == nil {
		t.points.remove(t.points.band(t.slots[s].box.Min[1]), t.point(s))
	} else {
		t.eachEdge(s, func(huge bool, e edge[ID]) {
			if huge {
				i := slices.IndexFunc(t.huge, func(h edge[ID]) bool { return compareEdges(h, e) == 0 })
				t.huge = slices.Delete(t.huge, i, i+1)
				return
			}
			l := &t.edges
			y0, y1 := l.bands(e.box)
			for y := y0; y <= y1; y++ {
				l.remove(y, e)
			}
		})
	}
	delete(t.byID, id)
	var zero ID
	t.slots[s], t.ids[s], t.shapes[s] = slot{}, zero, nil
	t.free = append(t.free, s)
	return true
}
