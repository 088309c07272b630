package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/truce-project/truce"
)

// EarthRadius is the radius in metres of the sphere that distances are
// measured on: orb.EarthRadius, the WGS84 equatorial radius. Between 44°
// and 60° north the ellipsoid's local radii of curvature lie within 0.3%
// of it.
const EarthRadius = orb.EarthRadius

// metresPerDegree is the length of one degree of a great circle.
const metresPerDegree = EarthRadius * math.Pi / 180

// FromGeometry returns g as an orb geometry: orb.Point, orb.LineString,
// orb.MultiLineString, orb.Polygon or orb.MultiPolygon. It copies the
// positions, so the result shares no memory with g. It returns nil for a
// geometry of any other type.
func FromGeometry(g truce.Geometry) orb.Geometry {
	switch g.Type {
	case "Point":
		return orb.Point(g.Point)
	case "LineString":
		if len(g.Lines) == 0 {
			return orb.LineString{}
		}
		return lineString(g.Lines[0])
	case "MultiLineString":
		mls := make(orb.MultiLineString, len(g.Lines))
		for i, l := range g.Lines {
			mls[i] = lineString(l)
		}
		return mls
	case "Polygon":
		if len(g.Polygons) == 0 {
			return orb.Polygon{}
		}
		return polygon(g.Polygons[0])
	case "MultiPolygon":
		mp := make(orb.MultiPolygon, len(g.Polygons))
		for i, p := range g.Polygons {
			mp[i] = polygon(p)
		}
		return mp
	}
	return nil
}

func lineString(l []truce.Position) orb.LineString {
	out := make(orb.LineString, len(l))
	for i, p := range l {
		out[i] = orb.Point(p)
	}
	return out
}

func polygon(rings [][]truce.Position) orb.Polygon {
	out := make(orb.Polygon, len(rings))
	for i, r := range rings {
		out[i] = orb.Ring(lineString(r))
	}
	return out
}

// ToGeometry returns g as a truce.Geometry. It accepts the five types
// that FromGeometry returns, and orb.Ring and orb.Bound as polygons; for
// any other type it returns a Geometry with an empty Type. It does not
// validate the result: see truce.Geometry.Validate.
func ToGeometry(g orb.Geometry) truce.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return truce.Geometry{Type: "Point", Point: truce.Position(g)}
	case orb.LineString:
		return truce.Geometry{Type: "LineString", Lines: [][]truce.Position{positions(g)}}
	case orb.MultiLineString:
		out := truce.Geometry{Type: "MultiLineString", Lines: make([][]truce.Position, len(g))}
		for i, l := range g {
			out.Lines[i] = positions(l)
		}
		return out
	case orb.Ring:
		return ToGeometry(orb.Polygon{g})
	case orb.Bound:
		return ToGeometry(g.ToPolygon())
	case orb.Polygon:
		return truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{rings(g)}}
	case orb.MultiPolygon:
		out := truce.Geometry{Type: "MultiPolygon", Polygons: make([][][]truce.Position, len(g))}
		for i, p := range g {
			out.Polygons[i] = rings(p)
		}
		return out
	}
	return truce.Geometry{}
}

func positions(l []orb.Point) []truce.Position {
	out := make([]truce.Position, len(l))
	for i, p := range l {
		out[i] = truce.Position(p)
	}
	return out
}

func rings(p orb.Polygon) [][]truce.Position {
	out := make([][]truce.Position, len(p))
	for i, r := range p {
		out[i] = positions(r)
	}
	return out
}

// Distance returns the distance in metres from p to the nearest point of
// g: to a point, the distance between the two; to a line, the distance to
// its nearest segment; to a polygon, 0 if p lies inside it or on its
// boundary (a point in a hole is outside) and otherwise the distance to
// the nearest ring, outer or inner. See the package documentation for the
// method and its accuracy.
//
// Distance returns NaN when the distance is undefined: a coordinate of p
// is NaN or infinite, a position of g is not a valid longitude and
// latitude (finite, in [-180, 180] and [-90, 90]), or g has no positions
// or an unknown type. A finite p outside the valid range is clamped
// first: its longitude to [-180, 180] and its latitude to [-90, 90].
func Distance(p truce.Position, g truce.Geometry) float64 {
	if !finite(p) {
		return math.NaN()
	}
	og := FromGeometry(g)
	if og == nil || !validGeometry(og) {
		return math.NaN()
	}
	m := newMeasure(p)
	d := m.distance(og)
	if math.IsInf(d, 1) {
		return math.NaN() // no positions
	}
	return d
}

// Contains reports whether the clause zone contains p: zone is a Polygon
// or MultiPolygon, and p lies inside it or on its boundary but not inside
// a hole. Edges are straight lines in longitude and latitude, as RFC 7946
// has them. Contains returns false for a zone of any other type and for a
// p that is NaN or infinite.
func Contains(zone truce.Geometry, p truce.Position) bool {
	if !finite(p) {
		return false
	}
	switch z := FromGeometry(zone).(type) {
	case orb.Polygon:
		return polygonContains(z, orb.Point(p))
	case orb.MultiPolygon:
		for _, poly := range z {
			if polygonContains(poly, orb.Point(p)) {
				return true
			}
		}
	}
	return false
}

// polygonContains is planar.PolygonContains, guarded against an empty
// polygon or ring, which it does not accept.
func polygonContains(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 || len(poly[0]) == 0 {
		return false
	}
	if !planar.RingContains(poly[0], p) {
		return false
	}
	for _, hole := range poly[1:] {
		if len(hole) > 0 && planar.RingContains(hole, p) {
			return false
		}
	}
	return true
}

func finite(p truce.Position) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

// valid reports whether p is a finite longitude and latitude in range.
func valid(p orb.Point) bool {
	return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90 // false for NaN
}

// validGeometry reports whether every position of g is valid.
func validGeometry(g orb.Geometry) bool {
	ok := true
	eachLine(g, func(l []orb.Point) {
		for _, p := range l {
			ok = ok && valid(p)
		}
	})
	return ok
}

// eachLine calls f with each line string or ring of g, and a point as a
// line of one position.
func eachLine(g orb.Geometry, f func([]orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		f([]orb.Point{g})
	case orb.LineString:
		f(g)
	case orb.MultiLineString:
		for _, l := range g {
			f(l)
		}
	case orb.Polygon:
		for _, r := range g {
			f(r)
		}
	case orb.MultiPolygon:
		for _, poly := range g {
			for _, r := range poly {
				f(r)
			}
		}
	}
}

// measure measures distances from one query point q. It uses a local
// equirectangular frame around q: a degree of latitude is metresPerDegree
// long, and a degree of longitude that times the cosine of the mean
// latitude of q and the other point. On a segment it finds the nearest
// point in the affine frame scaled by the cosine at q, where lines straight
// in longitude and latitude stay straight, and then measures the distance
// to that point as to any other.
type measure struct {
	lon, lat   float64 // q in degrees, clamped
	cos0, sin0 float64 // of q's latitude
}

func newMeasure(p truce.Position) measure {
	lon := math.Max(-180, math.Min(180, p[0]))
	lat := math.Max(-90, math.Min(90, p[1]))
	s, c := math.Sincos(lat * math.Pi / 180)
	return measure{lon: lon, lat: lat, cos0: c, sin0: s}
}

// to returns the distance in metres from q to (lon, lat).
func (m *measure) to(lon, lat float64) float64 {
	dLat := (lat - m.lat) * (math.Pi / 180)
	dLon := (lon - m.lon) * (math.Pi / 180)
	x := dLon * m.cosMean(dLat/2)
	return EarthRadius * math.Sqrt(dLat*dLat+x*x)
}

// cosMean returns the cosine of q's latitude plus h radians. For the small
// h of nearby points it expands cos(a+h) = cos a cos h - sin a sin h in
// Taylor series, with an error under 1e-8; for larger h it calls math.Cos.
func (m *measure) cosMean(h float64) float64 {
	if h > 0.05 || h < -0.05 {
		return math.Cos(m.lat*(math.Pi/180) + h)
	}
	h2 := h * h
	return m.cos0*(1-h2/2+h2*h2/24) - m.sin0*h*(1-h2/6)
}

// segment returns the distance in metres from q to the segment ab.
func (m *measure) segment(a, b orb.Point) float64 {
	ax, ay := (a[0]-m.lon)*m.cos0, a[1]-m.lat
	dx, dy := (b[0]-a[0])*m.cos0, b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	return m.to(a[0]+t*(b[0]-a[0]), a[1]+t*(b[1]-a[1]))
}

// line returns the distance in metres from q to the nearest segment of l,
// or to its one position, or +Inf if it has none.
func (m *measure) line(l []orb.Point) float64 {
	switch len(l) {
	case 0:
		return math.Inf(1)
	case 1:
		return m.to(l[0][0], l[0][1])
	}
	d := math.Inf(1)
	for i := 1; i < len(l); i++ {
		d = math.Min(d, m.segment(l[i-1], l[i]))
	}
	return d
}

// polygon returns the distance in metres from q to poly: 0 inside it.
func (m *measure) polygon(poly orb.Polygon) float64 {
	if polygonContains(poly, orb.Point{m.lon, m.lat}) {
		return 0
	}
	d := math.Inf(1)
	for _, r := range poly {
		d = math.Min(d, m.line(r))
	}
	return d
}

// distance returns the distance in metres from q to g, +Inf if g has no
// positions. g's coordinates must be finite.
func (m *measure) distance(g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.Point:
		return m.to(g[0], g[1])
	case orb.LineString:
		return m.line(g)
	case orb.MultiLineString:
		d := math.Inf(1)
		for _, l := range g {
			d = math.Min(d, m.line(l))
		}
		return d
	case orb.Polygon:
		return m.polygon(g)
	case orb.MultiPolygon:
		d := math.Inf(1)
		for _, poly := range g {
			d = math.Min(d, m.polygon(poly))
		}
		return d
	}
	return math.Inf(1)
}

// box returns a bounding box, in degrees, of every point within r metres
// of q as measure.to measures it, and so of every geometry that distance
// finds within r. It is padded by a part in a million and 1e-9 degrees so
// that rounding never excludes an item at exactly r. At a pole, or when
// the box reaches one, it spans every longitude.
func (m *measure) box(r float64) orb.Bound {
	const pad = 1 + 1e-6
	const eps = 1e-9
	dLat := r / metresPerDegree * pad
	south, north := m.lat-dLat-eps, m.lat+dLat+eps
	west, east := -180.0, 180.0
	// The mean latitude of q and a point within r is at most dLat/2 away
	// from q's, so the cosine is at least that at maxLat.
	if maxLat := math.Abs(m.lat) + dLat/2; maxLat < 89 {
		dLon := dLat / math.Cos(maxLat*math.Pi/180) * pad
		west, east = m.lon-dLon-eps, m.lon+dLon+eps
	}
	return orb.Bound{
		Min: orb.Point{math.Max(west, -180), math.Max(south, -90)},
		Max: orb.Point{math.Min(east, 180), math.Min(north, 90)},
	}
}
