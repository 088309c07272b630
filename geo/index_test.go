package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/truce-project/truce"
)

var testRegion = region{west: 30, south: 46, east: 36, north: 52}

// selects is Filter's contract, written out plainly.
func selects[ID cmp.Ordered](f Filter, it Item[ID]) bool {
	if len(f.Categories) > 0 && !slices.ContainsFunc(f.Categories, func(c truce.Category) bool { return c.Covers(it.Category) }) {
		return false
	}
	if f.At.IsZero() {
		return true
	}
	return (it.From.IsZero() || !f.At.Before(it.From)) && (it.Until.IsZero() || f.At.Before(it.Until))
}

// bruteNear is Near's contract: every item, measured.
func bruteNear[ID cmp.Ordered](items map[ID]Item[ID], p truce.Position, metres float64, f Filter) []Hit[ID] {
	var hits []Hit[ID]
	for _, it := range items {
		if !selects(f, it) {
			continue
		}
		if d := Distance(p, it.Geometry); d <= metres {
			hits = append(hits, Hit[ID]{it.ID, d})
		}
	}
	slices.SortFunc(hits, func(a, b Hit[ID]) int {
		return cmp.Or(cmp.Compare(a.Metres, b.Metres), cmp.Compare(a.ID, b.ID))
	})
	return hits
}

// bruteInBox is InBox's contract.
func bruteInBox[ID cmp.Ordered](items map[ID]Item[ID], b orb.Bound, f Filter) []ID {
	var ids []ID
	for _, it := range items {
		if !selects(f, it) {
			continue
		}
		g := FromGeometry(it.Geometry)
		if p, ok := g.(orb.Point); ok && b.Contains(p) || !ok && meets(g, b) {
			ids = append(ids, it.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func byID[ID cmp.Ordered](items []Item[ID]) map[ID]Item[ID] {
	m := make(map[ID]Item[ID], len(items))
	for _, it := range items {
		m[it.ID] = it
	}
	return m
}

func sameHits[ID cmp.Ordered](t *testing.T, what string, got, want []Hit[ID]) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d hits, want %d\ngot  %v\nwant %v", what, len(got), len(want), head(got), head(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || math.Abs(g.Metres-w.Metres) > 1e-6*max(w.Metres, 1e-9) {
			t.Fatalf("%s: hit %d is %v, want %v", what, i, g, w)
		}
	}
}

func head[T any](s []T) []T { return s[:min(len(s), 10)] }

// query returns a random query: a point (near a centre as a rule), a
// radius from 100 m to 50 km, and a filter.
func (g *generator) query() (truce.Position, float64, Filter) {
	return g.place(), 100 * math.Pow(500, g.rng.Float64()), g.filter()
}

// checkQueries compares x with the brute-force scan of items for n
// random queries of g.
func checkQueries(t *testing.T, g *generator, x *Index[int], items map[int]Item[int], n int) (hits int) {
	t.Helper()
	if x.Len() != len(items) {
		t.Fatalf("Len = %d, want %d", x.Len(), len(items))
	}
	for i := range n {
		p, r, f := g.query()
		got := x.Near(p, r, f)
		sameHits(t, fmt.Sprintf("query %d: Near(%v, %.0f, %+v)", i, p, r, f), got, bruteNear(items, p, r, f))
		hits += len(got)
		if i%4 == 0 {
			b := orb.Bound{Min: orb.Point(p), Max: orb.Point(offset(p, r, r))}
			got := x.InBox(b.Min[0], b.Min[1], b.Max[0], b.Max[1], f)
			if want := bruteInBox(items, b, f); !slices.Equal(got, want) {
				t.Fatalf("query %d: InBox(%v, %+v) = %d ids, want %d", i, b, f, len(got), len(want))
			}
		}
	}
	return hits
}

func TestIndexMatchesBruteForce(t *testing.T) {
	g := newGenerator(1, testRegion, nil)
	items := g.items(20000)
	x := NewIndex[int]()
	if err := x.Build(items); err != nil {
		t.Fatal(err)
	}
	hits := checkQueries(t, g, x, byID(items), 600)
	if hits < 10000 {
		t.Fatalf("only %d hits in all: the test is too weak", hits)
	}
}

func TestIndexBandSizes(t *testing.T) {
	g := newGenerator(2, testRegion, nil)
	items := g.items(5000)
	for _, cell := range []float64{0.001, 0.05, 1} {
		x := newIndex[int](cell)
		if err := x.Build(items); err != nil {
			t.Fatal(err)
		}
		checkQueries(t, g, x, byID(items), 100)
	}
}

func TestIndexIncremental(t *testing.T) {
	g := newGenerator(3, testRegion, nil)
	items := g.items(20000)
	x := NewIndex[int]()
	if err := x.Build(items); err != nil {
		t.Fatal(err)
	}
	ref := byID(items)
	next := len(items)
	for range 5000 {
		id := g.rng.IntN(next)
		switch g.rng.IntN(3) {
		case 0: // insert a new item
			it := g.item(next)
			next++
			if err := x.Insert(it); err != nil {
				t.Fatal(err)
			}
			ref[it.ID] = it
		case 1:
			_, had := ref[id]
			if got := x.Remove(id); got != had {
				t.Fatalf("Remove(%d) = %v, want %v", id, got, had)
			}
			delete(ref, id)
		default: // update, or insert again after removal
			it := g.item(id)
			if err := x.Update(it); err != nil {
				t.Fatal(err)
			}
			ref[id] = it
		}
	}
	checkQueries(t, g, x, ref, 400)
}

// TestIndexIncrementalFromEmpty checks an index built only by Insert.
func TestIndexIncrementalFromEmpty(t *testing.T) {
	g := newGenerator(4, testRegion, nil)
	x := NewIndex[int]()
	ref := map[int]Item[int]{}
	for i := range 3000 {
		it := g.item(i)
		if err := x.Insert(it); err != nil {
			t.Fatal(err)
		}
		ref[i] = it
	}
	checkQueries(t, g, x, ref, 200)
}

func TestIndexErrors(t *testing.T) {
	x := NewIndex[string]()
	a := Item[string]{ID: "a", Geometry: truce.NewPoint(30, 50), Category: "energy.oil.refinery"}
	if err := x.Insert(a); err != nil {
		t.Fatal(err)
	}
	if err := x.Insert(a); truce.ErrorCode(err) != truce.ECONFLICT {
		t.Fatalf("Insert twice: %v, want %s", err, truce.ECONFLICT)
	}
	bad := []truce.Geometry{
		truce.NewPoint(math.NaN(), 50),
		truce.NewPoint(30, math.Inf(1)),
		truce.NewPoint(181, 50),
		line(truce.Position{30, 50}, truce.Position{30, 91}),
		{Type: "LineString"},
		{Type: "Polygon", Polygons: [][][]truce.Position{{{}}}},
		{Type: "Circle"},
	}
	for _, geom := range bad {
		it := Item[string]{ID: "b", Geometry: geom}
		if err := x.Insert(it); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("Insert(%+v): %v, want %s", geom, err, truce.EINVALID)
		}
		if err := x.Update(Item[string]{ID: "a", Geometry: geom}); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("Update(%+v): %v, want %s", geom, err, truce.EINVALID)
		}
		if err := x.Build([]Item[string]{{ID: "c", Geometry: truce.NewPoint(1, 1)}, it}); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("Build(%+v): %v, want %s", geom, err, truce.EINVALID)
		}
	}
	if err := x.Build([]Item[string]{a, a}); truce.ErrorCode(err) != truce.EINVALID {
		t.Fatalf("Build with a duplicate: %v, want %s", err, truce.EINVALID)
	}
	// Failed calls leave the index as it was.
	if hits := x.Near(truce.Position{30, 50}, 1, Filter{}); len(hits) != 1 || hits[0].ID != "a" || x.Len() != 1 {
		t.Fatalf("after errors: Near = %v, Len = %d; want [a 0], 1", hits, x.Len())
	}
	if x.Remove("nope") {
		t.Fatal("Remove of a missing item = true")
	}
}

func TestIndexInvalidQueries(t *testing.T) {
	x := NewIndex[int]()
	if err := x.Build(newGenerator(5, testRegion, nil).items(1000)); err != nil {
		t.Fatal(err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	for _, q := range []struct {
		p      truce.Position
		metres float64
	}{
		{truce.Position{nan, 50}, 1000},
		{truce.Position{33, nan}, 1000},
		{truce.Position{inf, 50}, 1000},
		{truce.Position{33, 50}, nan},
		{truce.Position{33, 50}, -1},
		{truce.Position{33, 50}, inf},
	} {
		if hits := x.Near(q.p, q.metres, Filter{}); hits != nil {
			t.Errorf("Near(%v, %v) = %d hits, want nil", q.p, q.metres, len(hits))
		}
	}
	for _, b := range [][4]float64{{nan, 46, 36, 52}, {30, 52, 36, 46}} {
		if ids := x.InBox(b[0], b[1], b[2], b[3], Filter{}); ids != nil {
			t.Errorf("InBox(%v) = %d ids, want nil", b, len(ids))
		}
	}
	// A radius beyond the globe finds everything.
	if hits := x.Near(truce.Position{33, 50}, 1e9, Filter{}); len(hits) != 1000 {
		t.Errorf("Near with 1e9 m = %d hits, want 1000", len(hits))
	}
}

// TestIndexNearestPoint checks that lines and polygons are found by their
// nearest point, not their centre, and once each.
func TestIndexNearestPoint(t *testing.T) {
	x := NewIndex[string]()
	items := []Item[string]{
		// 600 km of pipeline, 1 km north of the query at its middle.
		{ID: "pipeline", Geometry: line(truce.Position{30, 50.009}, truce.Position{34, 50.009}, truce.Position{38, 50.009}), Category: "energy.oil.pipeline"},
		// A 100 km square whose edge is 500 m from the query.
		{ID: "zone", Geometry: poly(rect(34.007, 49, 35.5, 51)), Category: "energy.generation.nuclear"},
		{ID: "hole", Geometry: poly(rect(33, 49.5, 35, 50.5), rect(33.9, 49.9, 34.1, 50.1)), Category: "energy.gas.storage"},
		{ID: "point", Geometry: truce.NewPoint(34, 50.001), Category: "health.hospital"},
	}
	if err := x.Build(items); err != nil {
		t.Fatal(err)
	}
	got := x.Near(truce.Position{34, 50}, 1200, Filter{})
	want := bruteNear(byID(items), truce.Position{34, 50}, 1200, Filter{})
	sameHits(t, "Near", got, want)
	var ids []string
	for _, h := range got {
		ids = append(ids, h.ID)
	}
	if !slices.Equal(ids, []string{"point", "zone", "pipeline"}) {
		t.Fatalf("Near = %v, want point, zone, pipeline", got)
	}
	if got := x.Near(truce.Position{34, 50}, 1200, Filter{Categories: []truce.Category{"energy"}}); len(got) != 2 {
		t.Fatalf("Near energy = %v, want zone and pipeline", got)
	}
	// Inside the hole's polygon, 0 m.
	if got := x.Near(truce.Position{33.5, 50}, 0, Filter{}); len(got) != 1 || got[0] != (Hit[string]{"hole", 0}) {
		t.Fatalf("Near inside a polygon = %v, want [{hole 0}]", got)
	}
}

// TestIndexLargeItems checks items that the index cuts into pieces or
// tiles, or keeps whole in its list of huge areas.
func TestIndexLargeItems(t *testing.T) {
	zone := poly(rect(30, 45, 42, 53), rect(33, 48, 36, 50)) // too many tiles: huge
	items := []Item[int]{
		{ID: 1, Geometry: zone, Category: "energy.generation.nuclear"},
		{ID: 2, Geometry: line(truce.Position{29, 44}, truce.Position{49, 56}), Category: "energy.gas.pipeline"},        // cut
		{ID: 3, Geometry: poly(rect(37, 51, 37.7, 51.5), rect(37.2, 51.1, 37.4, 51.3)), Category: "energy.gas.storage"}, // tiled
		{ID: 4, Geometry: truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{
			{rect(31, 46, 31.01, 46.01)}, {rect(40, 52, 41.5, 52.6)},
		}}, Category: "energy.generation.hydro"}, // parts far apart: huge
		{ID: 5, Geometry: line(truce.Position{34, 49}), Category: "energy.oil.refinery"}, // one position
		{ID: 6, Geometry: truce.Geometry{Type: "MultiLineString", Lines: [][]truce.Position{
			{{30, 50}, {30, 50}}, {{35, 47}, {35.001, 47}, {39, 52.5}},
		}}, Category: "energy.oil.pipeline"},
	}
	x := NewIndex[int]()
	if err := x.Build(items); err != nil {
		t.Fatal(err)
	}
	if len(x.t.huge) != 2 {
		t.Fatalf("%d huge edges, want 2 (the areas of the zone and the multipolygon)", len(x.t.huge))
	}
	g := newGenerator(7, region{west: 29, south: 44, east: 43, north: 54}, nil)
	ref := byID(items)
	checkQueries(t, g, x, ref, 1000)
	// Inside, on and near the edges of each.
	for _, p := range []truce.Position{{34.5, 49}, {33, 48}, {36.001, 49}, {37.3, 51.2}, {37.1, 51.2}, {39, 50}, {31.005, 46.005}, {41, 52.3}, {34, 49}} {
		for _, r := range []float64{0, 1, 100, 5000} {
			sameHits(t, fmt.Sprintf("Near(%v, %v)", p, r), x.Near(p, r, Filter{}), bruteNear(ref, p, r, Filter{}))
		}
	}
	// Update by hand: each item removed and put back, then all removed.
	for _, it := range items {
		if !x.Remove(it.ID) {
			t.Fatalf("Remove(%d) = false", it.ID)
		}
		delete(ref, it.ID)
		checkQueries(t, g, x, ref, 50)
		if err := x.Insert(it); err != nil {
			t.Fatal(err)
		}
		ref[it.ID] = it
	}
	checkQueries(t, g, x, ref, 200)
	for _, it := range items {
		x.Remove(it.ID)
	}
	if x.Len() != 0 || x.t.points.n != 0 || x.t.edges.n != 0 || len(x.t.huge) != 0 {
		t.Fatalf("after removing all: Len %d, %d points, %d edges, %d huge", x.Len(), x.t.points.n, x.t.edges.n, len(x.t.huge))
	}
}

func TestIndexInBox(t *testing.T) {
	x := NewIndex[string]()
	err := x.Build([]Item[string]{
		{ID: "crossing", Geometry: line(truce.Position{29, 50.5}, truce.Position{32, 50.5})},
		{ID: "diagonal-miss", Geometry: line(truce.Position{29.5, 50.9}, truce.Position{30.2, 51.6})},
		{ID: "covering", Geometry: poly(rect(28, 49, 33, 52))},
		{ID: "holed", Geometry: poly(rect(28, 49, 33, 52), rect(29.5, 49.5, 31.5, 51.5))},
		{ID: "inside", Geometry: poly(rect(30.2, 50.2, 30.4, 50.4))},
		{ID: "edge", Geometry: truce.NewPoint(31, 51)},
		{ID: "out", Geometry: truce.NewPoint(31.01, 51)},
		{ID: "east", Geometry: truce.NewPoint(179.5, 65)},
		{ID: "west", Geometry: truce.NewPoint(-179.5, 65)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := x.InBox(30, 50, 31, 51, Filter{})
	if want := []string{"covering", "crossing", "edge", "inside"}; !slices.Equal(got, want) {
		t.Errorf("InBox = %v, want %v", got, want)
	}
	got = x.InBox(179, 60, -179, 70, Filter{})
	if want := []string{"east", "west"}; !slices.Equal(got, want) {
		t.Errorf("InBox across the antimeridian = %v, want %v", got, want)
	}
}

func TestSiteItem(t *testing.T) {
	since := time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
	retired := since.Add(30 * 24 * time.Hour)
	sites := []truce.SiteState{
		{Site: truce.Site{ID: "open", Category: "energy.oil.refinery", Geometry: truce.NewPoint(30, 50)}, Since: since},
		{Site: truce.Site{ID: "retired", Category: "energy.oil.refinery", Geometry: truce.NewPoint(30, 50)}, Since: since, RetiredSince: &retired},
	}
	x := NewIndex[string]()
	for i := range sites {
		if err := x.Insert(SiteItem(&sites[i])); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{since.Add(-time.Nanosecond), since, retired.Add(-time.Nanosecond), retired, retired.Add(time.Hour)} {
		var want []string
		for i := range sites {
			if sites[i].ActiveAt(at) {
				want = append(want, sites[i].ID)
			}
		}
		var got []string
		for _, h := range x.Near(truce.Position{30, 50}, 10, Filter{At: at}) {
			got = append(got, h.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("at %v: Near = %v, want %v (as ActiveAt)", at, got, want)
		}
	}
}

// TestIndexConcurrent runs readers beside a writer; run it with -race.
func TestIndexConcurrent(t *testing.T) {
	g := newGenerator(6, testRegion, nil)
	items := g.items(5000)
	x := NewIndex[int]()
	if err := x.Build(items); err != nil {
		t.Fatal(err)
	}
	queries := make([]truce.Position, 200)
	for i := range queries {
		queries[i] = g.place()
	}
	updates := g.items(2000)
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for i := range 300 {
				x.Near(queries[(i+r)%len(queries)], 5000, Filter{})
				x.InBox(33, 49, 33.2, 49.2, Filter{})
			}
		})
	}
	ref := byID(items)
	for _, it := range updates {
		if err := x.Update(it); err != nil {
			t.Error(err)
		}
		ref[it.ID] = it
	}
	wg.Wait()
	checkQueries(t, g, x, ref, 100)
}

// meets is InBox's contract for a line or polygon geometry: it meets the
// box b if one of its segments does, or it is a polygon that contains the
// box.
func meets(g orb.Geometry, b orb.Bound) bool {
	found := false
	switch g := g.(type) {
	case orb.LineString, orb.MultiLineString:
		eachLine(g, func(l []orb.Point) { found = found || lineMeets(l, b) })
	case orb.Polygon:
		found = polygonMeets(g, b)
	case orb.MultiPolygon:
		found = slices.ContainsFunc(g, func(p orb.Polygon) bool { return polygonMeets(p, b) })
	}
	return found
}

func polygonMeets(p orb.Polygon, b orb.Bound) bool {
	return slices.ContainsFunc(p, func(r orb.Ring) bool { return lineMeets(r, b) }) || polygonContains(p, b.Min)
}

func lineMeets(l []orb.Point, b orb.Bound) bool {
	if len(l) == 1 {
		return b.Contains(l[0])
	}
	for i := 1; i < len(l); i++ {
		if segmentMeets(l[i-1], l[i], b) {
			return true
		}
	}
	return false
}
