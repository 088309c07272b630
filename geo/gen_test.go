package geo

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// leaves are the categories without children, which items have.
var leaves = func() []truce.Category {
	var out []truce.Category
	all := truce.Categories()
	for _, c := range all {
		leaf := true
		for _, o := range all {
			leaf = leaf && !strings.HasPrefix(string(o.ID), string(c.ID)+".")
		}
		if leaf {
			out = append(out, c.ID)
		}
	}
	return out
}()

// region is a box of longitude and latitude.
type region struct{ west, south, east, north float64 }

// generator makes random items that cluster around centres, as sites do
// around towns.
type generator struct {
	rng     *rand.Rand
	region  region
	centres []truce.Position
	epoch   time.Time
}

func newGenerator(seed uint64, r region, centres []truce.Position) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), region: r, centres: centres,
		epoch: time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)}
	if len(g.centres) == 0 {
		g.centres = syntheticCentres(g.rng, r, 2000)
	}
	return g
}

// syntheticCentres returns n town centres: a few large clusters of many
// towns each, like the settled parts of the region, over a thin
// scattering of the rest.
func syntheticCentres(rng *rand.Rand, r region, n int) []truce.Position {
	var big []truce.Position
	for range 40 {
		big = append(big, truce.Position{r.west + rng.Float64()*(r.east-r.west), r.south + rng.Float64()*(r.north-r.south)})
	}
	out := make([]truce.Position, n)
	for i := range out {
		if rng.IntN(4) == 0 {
			out[i] = truce.Position{r.west + rng.Float64()*(r.east-r.west), r.south + rng.Float64()*(r.north-r.south)}
			continue
		}
		c := big[rng.IntN(len(big))]
		out[i] = clampTo(r, offset(c, rng.NormFloat64()*60e3, rng.NormFloat64()*60e3))
	}
	return out
}

// offset returns p moved east and north by metres.
func offset(p truce.Position, east, north float64) truce.Position {
	lat := p[1] + north/metresPerDegree
	return truce.Position{p[0] + east/(metresPerDegree*math.Cos(lat*math.Pi/180)), lat}
}

func clampTo(r region, p truce.Position) truce.Position {
	return truce.Position{max(r.west, min(r.east, p[0])), max(r.south, min(r.north, p[1]))}
}

// place returns a random position: near a centre, as a rule.
func (g *generator) place() truce.Position {
	if g.rng.IntN(10) == 0 {
		r := g.region
		return truce.Position{r.west + g.rng.Float64()*(r.east-r.west), r.south + g.rng.Float64()*(r.north-r.south)}
	}
	c := g.centres[g.rng.IntN(len(g.centres))]
	s := 500 + g.rng.Float64()*5000
	return clampTo(g.region, offset(c, g.rng.NormFloat64()*s, g.rng.NormFloat64()*s))
}

// geometry returns a random geometry at p: points mostly, 5% lines and 1%
// polygons, a few of them large.
func (g *generator) geometry(p truce.Position) truce.Geometry {
	switch k := g.rng.IntN(100); {
	case k < 94:
		return truce.NewPoint(p[0], p[1])
	case k < 99:
		n, step := 2+g.rng.IntN(7), 300+g.rng.Float64()*4700
		if g.rng.IntN(50) == 0 {
			n, step = 2+g.rng.IntN(3), 50e3+g.rng.Float64()*250e3
		}
		l := []truce.Position{p}
		for range n - 1 {
			a := g.rng.Float64() * 2 * math.Pi
			p = clampTo(g.region, offset(p, step*math.Cos(a), step*math.Sin(a)))
			l = append(l, p)
		}
		kind := "LineString"
		if g.rng.IntN(10) == 0 {
			kind = "MultiLineString"
			l2 := []truce.Position{offset(p, 1000, 0), offset(p, 2000, 1000)}
			return truce.Geometry{Type: kind, Lines: [][]truce.Position{l, l2}}
		}
		return truce.Geometry{Type: kind, Lines: [][]truce.Position{l}}
	default:
		size := 100 + g.rng.Float64()*2900
		if g.rng.IntN(20) == 0 {
			size = 20e3 + g.rng.Float64()*30e3
		}
		rings := [][]truce.Position{g.ring(p, size)}
		if g.rng.IntN(3) == 0 {
			rings = append(rings, g.ring(p, size/3))
		}
		if g.rng.IntN(10) == 0 {
			other := [][]truce.Position{g.ring(offset(p, 4*size, 0), size)}
			return truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{rings, other}}
		}
		return truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{rings}}
	}
}

// ring returns a simple closed ring around c whose vertices lie between
// half and all of r metres from it: star-shaped, so it never crosses
// itself.
func (g *generator) ring(c truce.Position, r float64) []truce.Position {
	n := 4 + g.rng.IntN(8)
	var out []truce.Position
	for i := range n {
		a := 2 * math.Pi * (float64(i) + 0.8*g.rng.Float64()) / float64(n)
		d := r * (0.5 + 0.5*g.rng.Float64())
		out = append(out, offset(c, d*math.Cos(a), d*math.Sin(a)))
	}
	return append(out, out[0])
}

// times returns a random activity interval.
func (g *generator) times() (from, until time.Time) {
	if g.rng.IntN(5) > 0 {
		from = g.epoch.Add(time.Duration(g.rng.Int64N(int64(365 * 24 * time.Hour))))
	}
	if g.rng.IntN(5) == 0 {
		until = g.epoch.Add(time.Duration(g.rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
	}
	return from, until
}

func (g *generator) item(id int) Item[int] {
	from, until := g.times()
	return Item[int]{ID: id, Geometry: g.geometry(g.place()), Category: leaves[g.rng.IntN(len(leaves))], From: from, Until: until}
}

func (g *generator) items(n int) []Item[int] {
	out := make([]Item[int], n)
	for i := range out {
		out[i] = g.item(i)
	}
	return out
}

// filter returns a random filter: no condition, a category or two (a leaf
// or a parent), a time, or both.
func (g *generator) filter() Filter {
	var f Filter
	if g.rng.IntN(2) == 0 {
		all := truce.Categories()
		for range 1 + g.rng.IntN(2) {
			f.Categories = append(f.Categories, all[g.rng.IntN(len(all))].ID)
		}
	}
	if g.rng.IntN(2) == 0 {
		f.At = g.epoch.Add(time.Duration(g.rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
	}
	return f
}
