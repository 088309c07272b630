package truce

import (
	"encoding/json"
	"math"
)

// Position is a WGS84 longitude and latitude in decimal degrees, in the
// GeoJSON order.
type Position [2]float64

// Lon returns the longitude.
func (p Position) Lon() float64 { return p[0] }

// Lat returns the latitude.
func (p Position) Lat() float64 { return p[1] }

// UnmarshalJSON reads a GeoJSON position: two numbers, or three with an
// altitude, which is dropped. Anything else, null included, is EINVALID
// rather than a zero that would place the position off Africa.
func (p *Position) UnmarshalJSON(data []byte) error {
	var a []float64
	if err := json.Unmarshal(data, &a); err != nil || len(a) < 2 || len(a) > 3 {
		return Errorf(EINVALID, "A position is [longitude, latitude], not %s.", truncate(string(data), 40))
	}
	*p = Position{a[0], a[1]}
	return nil
}

// Geometry is a GeoJSON geometry (RFC 7946): a Point, LineString,
// MultiLineString, Polygon or MultiPolygon. Exactly the field of its type
// is set: Point; Lines for line strings (one for a LineString); Polygons
// for polygons (one for a Polygon), each a list of rings, outer first.
type Geometry struct {
	Type     string
	Point    Position
	Lines    [][]Position
	Polygons [][][]Position
}

// maxVertices bounds a geometry's size, and so the cost of checking it.
const maxVertices = 20000

// geoJSON is the wire form of a Geometry.
type geoJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// MarshalJSON encodes g as GeoJSON.
func (g Geometry) MarshalJSON() ([]byte, error) {
	var coords any
	switch g.Type {
	case "Point":
		coords = g.Point
	case "LineString":
		coords = []Position{}
		if len(g.Lines) > 0 {
			coords = g.Lines[0]
		}
	case "MultiLineString":
		coords = g.Lines
	case "Polygon":
		coords = [][]Position{}
		if len(g.Polygons) > 0 {
			coords = g.Polygons[0]
		}
	default:
		coords = g.Polygons
	}
	c, err := json.Marshal(coords)
	if err != nil {
		return nil, Errorf(EINVALID, "Geometry: %v.", err)
	}
	return json.Marshal(geoJSON{Type: g.Type, Coordinates: c})
}

// UnmarshalJSON decodes GeoJSON and validates it: see Validate.
func (g *Geometry) UnmarshalJSON(data []byte) error {
	var w geoJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return Errorf(EINVALID, "Geometry is not a GeoJSON geometry object.")
	}
	*g = Geometry{Type: w.Type}
	var err error
	switch w.Type {
	case "Point":
		err = json.Unmarshal(w.Coordinates, &g.Point)
	case "LineString":
		g.Lines = make([][]Position, 1)
		err = json.Unmarshal(w.Coordinates, &g.Lines[0])
	case "MultiLineString":
		err = json.Unmarshal(w.Coordinates, &g.Lines)
	case "Polygon":
		g.Polygons = make([][][]Position, 1)
		err = json.Unmarshal(w.Coordinates, &g.Polygons[0])
	case "MultiPolygon":
		err = json.Unmarshal(w.Coordinates, &g.Polygons)
	default:
		return Errorf(EINVALID, "Geometry type %q is not one of Point, LineString, MultiLineString, Polygon, MultiPolygon.", w.Type)
	}
	if err != nil {
		return Errorf(EINVALID, "Geometry %s: coordinates are malformed (want [longitude, latitude] positions).", w.Type)
	}
	return g.Validate()
}

// NewPoint returns a Point geometry.
func NewPoint(lon, lat float64) Geometry { return Geometry{Type: "Point", Point: Position{lon, lat}} }

// Validate checks that the type is one of the five, that only the field
// of its type is set (with one line or polygon for a LineString or
// Polygon), that every position is a finite longitude in [-180, 180] and
// latitude in [-90, 90], that lines have two positions or more, and that
// polygon rings are closed, have four positions or more and do not cross
// themselves or each other.
func (g *Geometry) Validate() error {
	if err := g.validateShape(); err != nil {
		return err
	}
	n := 0
	for _, p := range g.positions() {
		n++
		if err := validatePosition(p); err != nil {
			return err
		}
	}
	if n > maxVertices {
		return Errorf(EINVALID, "Geometry has %d positions; at most %d are allowed.", n, maxVertices)
	}
	switch g.Type {
	case "Point":
		return nil
	case "LineString", "MultiLineString":
		return validateLines(g.Lines)
	default:
		return validatePolygons(g.Polygons)
	}
}

// validateShape checks that g is one of the five types and that only the
// field of its type is set, so that MarshalJSON writes all of g.
func (g *Geometry) validateShape() error {
	lines, polys, point := len(g.Lines), len(g.Polygons), g.Point != Position{}
	var ok bool
	switch g.Type {
	case "Point":
		ok = lines == 0 && polys == 0
	case "LineString":
		ok = lines == 1 && polys == 0 && !point
	case "MultiLineString":
		ok = polys == 0 && !point
	case "Polygon":
		ok = polys == 1 && lines == 0 && !point
	case "MultiPolygon":
		ok = lines == 0 && !point
	default:
		return Errorf(EINVALID, "Geometry type %q is not one of Point, LineString, MultiLineString, Polygon, MultiPolygon.", g.Type)
	}
	if !ok {
		return Errorf(EINVALID, "Geometry %s must set only its own coordinates (one line for a LineString, one polygon for a Polygon).", g.Type)
	}
	return nil
}

func validatePosition(p Position) error {
	lon, lat := p[0], p[1]
	switch {
	case math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0):
		return Errorf(EINVALID, "Coordinates must be finite numbers, not %v, %v.", lon, lat)
	case lon < -180 || lon > 180:
		return Errorf(EINVALID, "Longitude %v is outside [-180, 180].", lon)
	case lat < -90 || lat > 90:
		return Errorf(EINVALID, "Latitude %v is outside [-90, 90].", lat)
	}
	return nil
}

// positions returns every position of g.
func (g *Geometry) positions() []Position {
	out := []Position{}
	if g.Type == "Point" {
		return append(out, g.Point)
	}
	for _, l := range g.Lines {
		out = append(out, l...)
	}
	for _, poly := range g.Polygons {
		for _, ring := range poly {
			out = append(out, ring...)
		}
	}
	return out
}

func validateLines(lines [][]Position) error {
	if len(lines) == 0 {
		return Errorf(EINVALID, "Geometry has no lines.")
	}
	for i, l := range lines {
		if len(l) < 2 {
			return Errorf(EINVALID, "Line %d has %d positions; a line needs two or more.", i, len(l))
		}
	}
	return nil
}

func validatePolygons(polys [][][]Position) error {
	if len(polys) == 0 {
		return Errorf(EINVALID, "Geometry has no polygons.")
	}
	for i, poly := range polys {
		if len(poly) == 0 {
			return Errorf(EINVALID, "Polygon %d has no rings.", i)
		}
		for j, ring := range poly {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				return Errorf(EINVALID, "Polygon %d, ring %d must be closed (first position = last) with four positions or more.", i, j)
			}
			if distinctEdges(ring) < 3 {
				return Errorf(EINVALID, "Polygon %d, ring %d has fewer than three distinct positions.", i, j)
			}
		}
		if a, b, ok := crossing(poly); ok {
			return Errorf(EINVALID, "Polygon %d intersects itself: the edge at position %d crosses the edge at position %d.", i, a, b)
		}
	}
	return nil
}

// distinctEdges returns the number of edges of ring that are not of zero
// length.
func distinctEdges(ring []Position) int {
	n := 0
	for i := 0; i+1 < len(ring); i++ {
		if ring[i] != ring[i+1] {
			n++
		}
	}
	return n
}

// edge is a ring segment: its ends, its ring, its position in the ring,
// and its index among the ring's edges of non-zero length, of which the
// ring has n.
type edge struct {
	a, b Position
	ring int
	pos  int
	k, n int
}

// crossing reports two edges of a polygon's rings that cross. A repeated
// position makes an edge of zero length, which is skipped: the edges on
// either side of it are then adjacent. Adjacent edges of one ring share an
// end by construction and are not compared. The check is quadratic, which
// maxVertices keeps affordable.
func crossing(poly [][]Position) (int, int, bool) {
	var edges []edge
	for r, ring := range poly {
		first := len(edges)
		for i := 0; i+1 < len(ring); i++ {
			if ring[i] != ring[i+1] {
				edges = append(edges, edge{a: ring[i], b: ring[i+1], ring: r, pos: i, k: len(edges) - first})
			}
		}
		for i := first; i < len(edges); i++ {
			edges[i].n = len(edges) - first
		}
	}
	for i := range edges {
		for j := i + 1; j < len(edges); j++ {
			if adjacent(edges[i], edges[j]) {
				continue
			}
			if segmentsIntersect(edges[i].a, edges[i].b, edges[j].a, edges[j].b) {
				return edges[i].pos, edges[j].pos, true
			}
		}
	}
	return 0, 0, false
}

func adjacent(e, f edge) bool {
	if e.ring != f.ring {
		return false
	}
	d := f.k - e.k
	return d == 1 || d == -1 || d == e.n-1 || d == 1-e.n
}

// segmentsIntersect reports whether segments pq and rs share a point,
// treating the plane of longitude and latitude as flat, which is what
// GeoJSON validity means (RFC 7946 section 3.1.6).
func segmentsIntersect(p, q, r, s Position) bool {
	d1, d2 := orient(r, s, p), orient(r, s, q)
	d3, d4 := orient(p, q, r), orient(p, q, s)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return d1 == 0 && onSegment(r, s, p) || d2 == 0 && onSegment(r, s, q) ||
		d3 == 0 && onSegment(p, q, r) || d4 == 0 && onSegment(p, q, s)
}

func orient(a, b, c Position) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, c Position) bool {
	return math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
}

// Bounds returns the geometry's bounding box: west, south, east, north.
func (g *Geometry) Bounds() (w, s, e, n float64) {
	w, s, e, n = 180, 90, -180, -90
	for _, p := range g.positions() {
		w, e = math.Min(w, p[0]), math.Max(e, p[0])
		s, n = math.Min(s, p[1]), math.Max(n, p[1])
	}
	return w, s, e, n
}
