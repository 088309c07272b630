package geo

import (
	"cmp"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/truce-project/truce"
)

// Item is an object the index holds: a protected site, as a rule.
type Item[ID cmp.Ordered] struct {
	// ID identifies the item; it is unique in an index.
	ID ID
	// Geometry is where the item is. Its positions must be finite and in
	// range, and it must have at least one.
	Geometry truce.Geometry
	// Category is the item's category, which Filter.Categories tests.
	Category truce.Category
	// From and Until bound the time in which the item is active: from
	// From, inclusive, until Until, exclusive. A zero From means since
	// always and a zero Until means still active.
	From, Until time.Time
}

// SiteItem returns the item for a site of the registry: active from the
// site's declaration until its retirement, as truce.SiteState.ActiveAt.
func SiteItem(s *truce.SiteState) Item[string] {
	it := Item[string]{ID: s.ID, Geometry: s.Geometry, Category: s.Category, From: s.Since}
	if s.RetiredSince != nil {
		it.Until = *s.RetiredSince
	}
	return it
}

// Filter selects items in a query. The zero Filter selects every item.
type Filter struct {
	// Categories, if not empty, selects the items whose category one of
	// them covers (truce.Category.Covers): "energy" selects
	// "energy.oil.refinery".
	Categories []truce.Category
	// At, if not zero, selects the items active at that time.
	At time.Time
}

// Hit is an item that Near found, and its distance from the query point.
type Hit[ID cmp.Ordered] struct {
	ID     ID
	Metres float64
}

// Index is a spatial index of items. Its methods are safe for concurrent
// use: Near, InBox and Len take a read lock and run in parallel with each
// other; Build, Insert, Remove and Update take the write lock, so a writer
// waits for the readers in progress and holds new ones off while it works.
// Build prepares the new contents before it takes the lock, so readers
// wait only for the swap. The zero Index is not ready for use: call
// NewIndex.
type Index[ID cmp.Ordered] struct {
	band float64 // height of the point bands
	mu   sync.RWMutex
	t    *table[ID] // replaced whole by Build
}

// NewIndex returns an empty index.
func NewIndex[ID cmp.Ordered]() *Index[ID] { return newIndex[ID](pointBand) }

// newIndex returns an empty index whose point bands are band degrees of
// latitude high. Benchmarks use it to tune pointBand.
func newIndex[ID cmp.Ordered](band float64) *Index[ID] {
	x := &Index[ID]{band: band}
	x.t = newTable[ID](band, 0)
	return x
}

// Len returns the number of items in the index.
func (x *Index[ID]) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.t.byID)
}

// prepared is an item checked and converted for the index.
type prepared struct {
	box   orb.Bound
	shape orb.Geometry // nil for a point
}

// prepare checks it and converts its geometry. It returns EINVALID if the
// geometry has an unknown type, no positions, or a position that is not
// finite or out of range. An item without extent, such as a line whose
// positions are all the same, is a point.
func prepare[ID cmp.Ordered](it *Item[ID]) (prepared, error) {
	g := FromGeometry(it.Geometry)
	if g == nil {
		return prepared{}, truce.Errorf(truce.EINVALID, "Item %v: geometry type %q is not one of Point, LineString, MultiLineString, Polygon, MultiPolygon.", it.ID, it.Geometry.Type)
	}
	box, n, ok := orb.Bound{Min: orb.Point{180, 90}, Max: orb.Point{-180, -90}}, 0, true
	var bad orb.Point
	eachLine(g, func(l []orb.Point) {
		for _, p := range l {
			if ok && !valid(p) {
				bad, ok = p, false
			}
			box, n = extend(box, p), n+1
		}
	})
	if !ok {
		return prepared{}, truce.Errorf(truce.EINVALID, "Item %v: position %v, %v is not a longitude in [-180, 180] and a latitude in [-90, 90].", it.ID, bad[0], bad[1])
	}
	if n == 0 {
		return prepared{}, truce.Errorf(truce.EINVALID, "Item %v: the geometry has no positions.", it.ID)
	}
	p := prepared{box: box}
	if box.Min != box.Max {
		p.shape = g
	}
	return p, nil
}

func extend(b orb.Bound, p orb.Point) orb.Bound {
	return orb.Bound{
		Min: orb.Point{min(b.Min[0], p[0]), min(b.Min[1], p[1])},
		Max: orb.Point{max(b.Max[0], p[0]), max(b.Max[1], p[1])},
	}
}

// Build replaces the contents of the index with items. It returns
// EINVALID if an item's geometry is invalid (see Item.Geometry) or two
// items have the same ID, and ETOOLARGE if they have more than 65,536
// categories; then it leaves the index as it was.
func (x *Index[ID]) Build(items []Item[ID]) error {
	t := newTable[ID](x.band, len(items))
	if err := t.build(items); err != nil {
		return err
	}
	x.mu.Lock()
	x.t = t
	x.mu.Unlock()
	return nil
}

// Insert adds it to the index. It returns ECONFLICT if the index holds an
// item with the same ID, EINVALID if its geometry is invalid, and
// ETOOLARGE if the index holds 65,536 categories and it brings another.
func (x *Index[ID]) Insert(it Item[ID]) error {
	p, err := prepare(&it)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.t.byID[it.ID]; ok {
		return truce.Errorf(truce.ECONFLICT, "Item %v is already in the index.", it.ID)
	}
	cat, err := x.t.intern(it.Category)
	if err != nil {
		return err
	}
	x.t.insert(&it, &p, cat)
	return nil
}

// Update replaces the item with it.ID by it, or inserts it if there is no
// such item. It returns the errors of Insert but ECONFLICT, and then
// leaves the index as it was.
func (x *Index[ID]) Update(it Item[ID]) error {
	p, err := prepare(&it)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	cat, err := x.t.intern(it.Category)
	if err != nil {
		return err
	}
	x.t.remove(it.ID)
	x.t.insert(&it, &p, cat)
	return nil
}

// Remove removes the item with id and reports whether there was one.
func (x *Index[ID]) Remove(id ID) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.t.remove(id)
}
