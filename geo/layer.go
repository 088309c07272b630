package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// pointBand is the height, in degrees of latitude, of the bands that
// hold points: about 1.1 km. It was chosen by measurement: see the
// package documentation.
const pointBand = 0.01

// Edges live in bands edgeBand degrees high. An edge is at most
// pieceLat degrees high and pieceLon wide: a longer segment is cut into
// pieces, and the box of a polygon into tiles, of that size at most. An
// area that would need more than maxPieces tiles goes to a plain list
// instead, which every query scans.
const (
	edgeBand  = 0.05
	pieceLat  = 0.1
	pieceLon  = pieceLat * 1.5
	maxPieces = 4096
	// piecePad widens the box of a piece or tile so that rounding in
	// cutting never leaves a gap between neighbours.
	piecePad = 1e-9
)

// point is a point item as its band holds it: all that a query needs,
// unless it asks for a time and the item has one.
type point[ID cmp.Ordered] struct {
	lon, lat float64
	id       ID
	slot     uint32
	cat      uint16
	timed    bool // the item has a From or an Until
}

// edge is a segment of a line or polygon ring, a piece of one, or a tile
// of the bounding box of a polygon or multipolygon (an area), as a band
// holds it. A whole segment's ends are opposite corners of its box, and
// its flags say which; a piece's segment is the seg'th of its item.
type edge[ID cmp.Ordered] struct {
	box   orb.Bound
	id    ID
	slot  uint32
	seg   uint32
	cat   uint16
	flags uint8
}

const (
	edgeFromEast  = 1 << iota // the segment runs from its box's east side
	edgeFromNorth             // the segment runs from its box's north side
	edgePiece                 // the entry is a piece of segment seg
	edgeArea                  // the entry is a tile of an area
	edgeFull                  // the area's polygon covers the whole tile
)

// newEdge returns the edge for the whole segment from a to b.
func newEdge[ID cmp.Ordered](a, b orb.Point) edge[ID] {
	e := edge[ID]{box: orb.Bound{
		Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])},
		Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])},
	}}
	if a[0] > b[0] {
		e.flags |= edgeFromEast
	}
	if a[1] > b[1] {
		e.flags |= edgeFromNorth
	}
	return e
}

// ends returns a whole segment's ends, exactly as they were given.
func (e *edge[ID]) ends() (a, b orb.Point) {
	a, b = e.box.Min, e.box.Max
	if e.flags&edgeFromEast != 0 {
		a[0], b[0] = b[0], a[0]
	}
	if e.flags&edgeFromNorth != 0 {
		a[1], b[1] = b[1], a[1]
	}
	return a, b
}

// cuts returns into how many pieces, each at most pieceLat high and
// pieceLon wide, a box must be cut along each axis. It computes in
// floating point, so that an absurd box cannot overflow an int.
func cuts(b orb.Bound) (nx, ny float64) {
	return max(math.Ceil((b.Max[0]-b.Min[0])/pieceLon), 1), max(math.Ceil((b.Max[1]-b.Min[1])/pieceLat), 1)
}

// layer is a set of latitude bands of equal height that cover the globe,
// each a strip of entries.
type layer[E any] struct {
	h       float64 // band height in degrees
	w       float64 // finest directory column width in degrees
	key     func(*E) float64
	compare func(a, b E) int
	strips  []strip[E]
	n       int // entries
}

// strip is a band of a layer. Its entries are ordered by key (their west
// edge), then by the rest of their fields; an edge is listed in every
// band that its box meets. Its directory finds the entries at a longitude
// without a binary search over the whole band: column c holds keys from
// c·w-180 up to (c+1)·w-180, and at[i] is the index of the first entry in
// column c0+i or further east. The columns span the entries, and are made
// wider, by powers of two, to number no more than dirPerEntry·entries +
// dirMin. The strip fits in a cache line.
type strip[E any] struct {
	e  []E
	at []int32
	w  float64
	c0 int32
	// wide is the widest entry the band has held since the last Build,
	// rounded up: a query looks that much further west.
	wide float32
}

const (
	dirPerEntry = 4
	dirMin      = 64
)

func (s *strip[E]) col(v float64) int { return int(math.Floor((v + 180) / s.w)) }

// widen makes the strip at least w wide, and a little more, so that no
// rounding in subtracting the width from a query's west edge can make the
// query miss an entry.
func (s *strip[E]) widen(w float64) {
	w += 1e-9
	f := float32(w)
	if float64(f) < w {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	s.wide = max(s.wide, f)
}

func newLayer[E any](h, w float64, key func(*E) float64, compare func(a, b E) int) layer[E] {
	return layer[E]{h: h, w: w, key: key, compare: compare, strips: make([]strip[E], int(180/h)+1)}
}

// band returns the band that holds latitude lat.
func (l *layer[E]) band(lat float64) int {
	return min(max(int((lat+90)/l.h), 0), len(l.strips)-1)
}

// bands returns the first and last band that box b meets.
func (l *layer[E]) bands(b orb.Bound) (int, int) {
	return l.band(b.Min[1]), l.band(b.Max[1])
}

// span returns the entries among which the first with a key of v or more
// lies: those before lo have smaller keys and those from hi on larger.
func (s *strip[E]) span(v float64) (lo, hi int) {
	n := len(s.e)
	if len(s.at) == 0 {
		return 0, n
	}
	switch c := s.col(v) - int(s.c0); {
	case c < 0:
		return 0, 0
	case c >= len(s.at):
		return n, n
	case c+1 < len(s.at):
		return int(s.at[c]), int(s.at[c+1])
	default:
		return int(s.at[c]), n
	}
}

// index rebuilds the directory of band y.
func (l *layer[E]) index(y int) {
	s := &l.strips[y]
	if len(s.e) == 0 {
		s.at = s.at[:0]
		return
	}
	west, east := l.key(&s.e[0]), l.key(&s.e[len(s.e)-1])
	s.w = l.w
	for (east-west)/s.w > float64(dirPerEntry*len(s.e)+dirMin) {
		s.w *= 2
	}
	s.c0 = int32(s.col(west))
	n := s.col(east) - int(s.c0) + 1
	s.at = slices.Grow(s.at[:0], n)[:n]
	j := 0
	for i := range s.at {
		for j < len(s.e) && s.col(l.key(&s.e[j])) < int(s.c0)+i {
			j++
		}
		s.at[i] = int32(j)
	}
}

// insert adds e to band y, in order.
func (l *layer[E]) insert(y int, e E) {
	s := &l.strips[y]
	i, _ := slices.BinarySearchFunc(s.e, e, l.compare)
	s.e = slices.Insert(s.e, i, e)
	l.n++
	c := s.col(l.key(&e)) - int(s.c0)
	if len(s.at) == 0 || c < 0 || c >= len(s.at) {
		l.index(y)
		return
	}
	for i := c + 1; i < len(s.at); i++ {
		s.at[i]++
	}
}

// remove removes e from band y.
func (l *layer[E]) remove(y int, e E) {
	s := &l.strips[y]
	i, ok := slices.BinarySearchFunc(s.e, e, l.compare)
	if !ok {
		return
	}
	s.e = slices.Delete(s.e, i, i+1)
	l.n--
	for i := s.col(l.key(&e)) - int(s.c0) + 1; i < len(s.at); i++ {
		s.at[i]--
	}
}

// fill sets the bands of l to entries listed by band in byBand, which it
// sorts in place. The bands share one array, which an insert into a band
// copies the band out of.
func (l *layer[E]) fill(byBand [][]E) {
	n := 0
	for _, r := range byBand {
		n += len(r)
	}
	all := make([]E, 0, n)
	for y, r := range byBand {
		if len(r) == 0 {
			continue
		}
		slices.SortFunc(r, l.compare)
		start := len(all)
		all = append(all, r...)
		l.strips[y].e = all[start:len(all):len(all)]
		l.index(y)
	}
	l.n = n
}

func pointKey[ID cmp.Ordered](p *point[ID]) float64 { return p.lon }

func edgeKey[ID cmp.Ordered](e *edge[ID]) float64 { return e.box.Min[0] }

func comparePoints[ID cmp.Ordered](a, b point[ID]) int {
	return cmp.Or(cmp.Compare(a.lon, b.lon), cmp.Compare(a.slot, b.slot))
}

func compareEdges[ID cmp.Ordered](a, b edge[ID]) int {
	return cmp.Or(
		cmp.Compare(a.box.Min[0], b.box.Min[0]), cmp.Compare(a.slot, b.slot),
		cmp.Compare(a.box.Min[1], b.box.Min[1]), cmp.Compare(a.box.Max[0], b.box.Max[0]),
		cmp.Compare(a.box.Max[1], b.box.Max[1]), cmp.Compare(a.flags, b.flags),
		cmp.Compare(a.seg, b.seg))
}
