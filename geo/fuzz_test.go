package geo

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/truce-project/truce"
)

// fuzzIndex is a small index, with the items it holds, for the fuzz test.
var fuzzIndex = sync.OnceValues(func() (*Index[int], map[int]Item[int]) {
	g := newGenerator(8, testRegion, nil)
	items := g.items(300)
	items = append(items,
		Item[int]{ID: 1000, Geometry: truce.NewPoint(180, 90)},
		Item[int]{ID: 1001, Geometry: truce.NewPoint(-180, -90)},
		Item[int]{ID: 1002, Geometry: line(truce.Position{-180, 0}, truce.Position{180, 0})},
		Item[int]{ID: 1003, Geometry: poly(rect(-10, -10, 10, 10))},
	)
	x := NewIndex[int]()
	if err := x.Build(items); err != nil {
		panic(err)
	}
	return x, byID(items)
})

// FuzzNear checks that Near, InBox, Distance and Contains take any numbers
// without panicking, return nothing (or NaN, or false) for invalid ones,
// and otherwise agree with a brute-force scan.
func FuzzNear(f *testing.F) {
	nan, inf := math.NaN(), math.Inf(1)
	f.Add(33.0, 49.0, 2000.0, 32.9, 48.9, 33.1, 49.1)
	f.Add(30.5, 50.45, 50e3, 30.0, 50.0, 31.0, 51.0)
	f.Add(0.0, 0.0, 0.0, -1.0, -1.0, 1.0, 1.0)
	f.Add(180.0, 90.0, 1.0, 179.0, 89.0, -179.0, 90.0)
	f.Add(-200.0, -100.0, 1e300, -1e300, -1e300, 1e300, 1e300)
	f.Add(nan, 49.0, 2000.0, nan, 0.0, 1.0, 1.0)
	f.Add(33.0, inf, 2000.0, 0.0, -inf, inf, 1.0)
	f.Add(33.0, 49.0, -1.0, 33.0, 49.0, 33.0, 49.0)
	f.Add(33.0, 49.0, nan, 5e-324, -5e-324, 1e-300, 1e-300)
	f.Fuzz(func(t *testing.T, lon, lat, metres, ax, ay, bx, by float64) {
		x, items := fuzzIndex()
		p := truce.Position{lon, lat}
		ok := finite(p) && metres >= 0 && !math.IsInf(metres, 1)
		hits := x.Near(p, metres, Filter{})
		if !ok && hits != nil {
			t.Fatalf("Near(%v, %v) = %v, want nil", p, metres, hits)
		}
		if ok {
			sameHits(t, "Near", hits, bruteNear(items, p, metres, Filter{}))
		}

		seg := line(truce.Position{ax, ay}, truce.Position{bx, by})
		d := Distance(p, seg)
		defined := finite(p) && valid(orb.Point{ax, ay}) && valid(orb.Point{bx, by})
		if math.IsNaN(d) == defined || defined && d < 0 {
			t.Fatalf("Distance(%v, %v) = %v", p, seg, d)
		}
		zone := poly(rect(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
		if Contains(zone, p) && !finite(p) {
			t.Fatalf("Contains(%v, %v) = true", zone, p)
		}

		ids := x.InBox(ax, ay, bx, by, Filter{})
		if !slices.IsSorted(ids) {
			t.Fatalf("InBox(%v, %v, %v, %v) is not sorted: %v", ax, ay, bx, by, ids)
		}
		if !math.IsNaN(ax+ay+bx+by) && ax <= bx && ay <= by {
			lon := func(v float64) float64 { return max(-180, min(180, v)) }
			lat := func(v float64) float64 { return max(-90, min(90, v)) }
			b := orb.Bound{Min: orb.Point{lon(ax), lat(ay)}, Max: orb.Point{lon(bx), lat(by)}}
			if want := bruteInBox(items, b, Filter{}); !slices.Equal(ids, want) {
				t.Fatalf("InBox(%v, %v, %v, %v) = %v, want %v", ax, ay, bx, by, ids, want)
			}
		}
	})
}
