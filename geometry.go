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
		coords = g.Lines[0]
	case "MultiLineString":
		coords = g.Lines
	case "Polygon":
		coords = g.Polygons[0]
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

// Validate checks that every position is a finite longitude in [-180, 180]
// and latitude in [-90, 90], that lines have two positions or more, and
// that polygon rings are closed, have four positions or more and do not
// cross themselves or each other.
func (g *Geometry) Validate() error {
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
		}
		if a, b, ok := crossing(poly); ok {
			return Errorf(EINVALID, "Polygon %d intersects itself: the edge at position %d crosses the edge at position %d.", i, a, b)
		}
	}
	return nil
}

// edge is a ring segment, with its index in the polygon's edge list.
type edge struct {
	a, b Position
	ring int
	pos  int
}

// crossing reports two edges of a polygon's rings that cross. Adjacent
// edges of one ring share an end by construction and are not compared.
// The check is quadratic, which maxVertices keeps affordable.
func crossing(poly [][]Position) (int, int, bool) {
	var edges []edge
	for r, ring := range poly {
		for i := 0; i+1 < len(ring); i++ {
			edges = append(edges, edge{ring[i], ring[i+1], r, i})
		}
	}
	for i := range edges {
		for j := i + 1; j < len(edges); j++ {
			if adjacent(edges[i], edges[j], len(poly[edges[i].ring])-1) {
				continue
			}
			if segmentsIntersect(edges[i].a, edges[i].b, edges[j].a, edges[j].b) {
				return edges[i].pos, edges[j].pos, true
			}
		}
	}
	return 0, 0, false
}

func adjacent(e, f edge, ringEdges int) bool {
	if e.ring != f.ring {
		return false
	}
	d := f.pos - e.pos
	return d == 1 || d == -1 || d == ringEdges-1 || d == 1-ringEdges
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
