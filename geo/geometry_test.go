package geo

import (
	"math"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/truce-project/truce"
)

func line(ps ...truce.Position) truce.Geometry {
	return truce.Geometry{Type: "LineString", Lines: [][]truce.Position{ps}}
}

// rect returns a closed ring around a box.
func rect(w, s, e, n float64) []truce.Position {
	return []truce.Position{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}

func poly(rings ...[]truce.Position) truce.Geometry {
	return truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{rings}}
}

// reference returns the distance from p to g by the haversine formula to
// points sampled densely along every segment (straight in longitude and
// latitude, as GeoJSON has them), and 0 inside a polygon.
func reference(p truce.Position, g truce.Geometry) float64 {
	if (g.Type == "Polygon" || g.Type == "MultiPolygon") && Contains(g, p) {
		return 0
	}
	const steps = 20000
	d := math.Inf(1)
	eachLine(FromGeometry(g), func(l []orb.Point) {
		for i := range l {
			if i == 0 {
				d = min(d, orbgeo.DistanceHaversine(orb.Point(p), l[0]))
				continue
			}
			a, b := l[i-1], l[i]
			for k := 1; k <= steps; k++ {
				t := float64(k) / steps
				q := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
				d = min(d, orbgeo.DistanceHaversine(orb.Point(p), q))
			}
		}
	})
	return d
}

func TestDistance(t *testing.T) {
	square := poly(rect(30, 50, 31, 51), rect(30.4, 50.4, 30.6, 50.6))
	multi := truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{
		{rect(30, 50, 30.1, 50.1)},
		{rect(32, 50, 32.1, 50.1)},
	}}
	tests := []struct {
		name string
		p    truce.Position
		g    truce.Geometry
		want float64 // 0 to compare with reference
	}{
		{"point, same", truce.Position{30.5, 50.4}, truce.NewPoint(30.5, 50.4), 0},
		{"point, 100 m north", truce.Position{30.5, 50.4}, truce.NewPoint(30.5, 50.4009), 0},
		{"point, Kyiv to Boryspil", truce.Position{30.5234, 50.4501}, truce.NewPoint(30.8947, 50.3450), 0},
		{"point, Kyiv to Chernihiv", truce.Position{30.5234, 50.4501}, truce.NewPoint(31.2893, 51.4982), 0},
		{"point, 200 km diagonal at 60 N", truce.Position{30.3, 59.9}, truce.NewPoint(32.85, 61.17), 0},
		{"point, 200 km diagonal at 44 N", truce.Position{34.1, 44.9}, truce.NewPoint(35.9, 46.2), 0},
		{"point, far east", truce.Position{179.9, 65}, truce.NewPoint(177.5, 64.7), 0},
		{"line, nearest mid-segment", truce.Position{30.1, 50}, line(truce.Position{30, 50.01}, truce.Position{30.2, 50.01}), 0.01 * metresPerDegree},
		{"line, diagonal mid-segment", truce.Position{36.25, 49.95}, line(truce.Position{36, 50}, truce.Position{36.6, 49.7}), 0},
		{"line, long diagonal, 100 km away at 60 N", truce.Position{31, 61}, line(truce.Position{30, 59}, truce.Position{33, 60.5}), 0},
		{"line, nearest end", truce.Position{29.9, 50}, line(truce.Position{30, 50}, truce.Position{30.2, 50.01}), 0},
		{"line, second segment, far from centre", truce.Position{31.01, 50.5}, line(truce.Position{30, 50}, truce.Position{31, 50}, truce.Position{31, 51}), 0},
		{"line, on it", truce.Position{30.1, 50}, line(truce.Position{30, 50}, truce.Position{30.2, 50}), 0},
		{"multiline", truce.Position{33, 47}, truce.Geometry{Type: "MultiLineString", Lines: [][]truce.Position{
			{{30, 45}, {31, 45}}, {{33.01, 46.5}, {33.01, 47.5}},
		}}, 0},
		{"polygon, inside", truce.Position{30.2, 50.2}, square, 0},
		{"polygon, on outer boundary", truce.Position{30, 50.5}, square, 0},
		{"polygon, in hole", truce.Position{30.5, 50.5}, square, 0},
		{"polygon, in hole near its edge", truce.Position{30.59, 50.5}, square, 0},
		{"polygon, outside west", truce.Position{29.9, 50.5}, square, 0},
		{"polygon, outside corner", truce.Position{31.02, 51.01}, square, 0},
		{"multipolygon, in second", truce.Position{32.05, 50.05}, multi, 0},
		{"multipolygon, between", truce.Position{31.5, 50.05}, multi, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Distance(tt.p, tt.g)
			want := tt.want
			if want == 0 {
				want = reference(tt.p, tt.g)
			}
			if want == 0 {
				if got != 0 {
					t.Fatalf("Distance = %v, want 0", got)
				}
				return
			}
			if rel := math.Abs(got-want) / want; rel > 0.005 {
				t.Fatalf("Distance = %.2f m, want %.2f m (off by %.3f%%)", got, want, rel*100)
			}
		})
	}
}

// TestDistanceAccuracy checks the claim of the package documentation:
// within 200 km, between 40 and 70 degrees north, the error against the
// haversine distance is under 0.1%.
func TestDistanceAccuracy(t *testing.T) {
	worst := 0.0
	for lat := 40.0; lat <= 70; lat += 5 {
		for bearing := 0.0; bearing < 360; bearing += 15 {
			for _, r := range []float64{10, 1000, 50e3, 200e3} {
				q := orb.Point{35, lat}
				p := orbgeo.PointAtBearingAndDistance(q, bearing, r)
				got := Distance(truce.Position(q), truce.NewPoint(p[0], p[1]))
				want := orbgeo.DistanceHaversine(q, p)
				worst = max(worst, math.Abs(got-want)/want)
			}
		}
	}
	if worst > 0.001 {
		t.Fatalf("worst relative error %.4f%%, want under 0.1%%", worst*100)
	}
	t.Logf("worst relative error %.4f%%", worst*100)
}

func TestDistanceInvalid(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		p    truce.Position
		g    truce.Geometry
	}{
		{"NaN longitude", truce.Position{nan, 50}, truce.NewPoint(30, 50)},
		{"NaN latitude", truce.Position{30, nan}, truce.NewPoint(30, 50)},
		{"infinite", truce.Position{math.Inf(1), 50}, truce.NewPoint(30, 50)},
		{"NaN in geometry", truce.Position{30, 50}, line(truce.Position{30, 50}, truce.Position{nan, 51})},
		{"empty line", truce.Position{30, 50}, truce.Geometry{Type: "LineString"}},
		{"empty polygon", truce.Position{30, 50}, truce.Geometry{Type: "MultiPolygon"}},
		{"unknown type", truce.Position{30, 50}, truce.Geometry{Type: "Circle"}},
	}
	for _, tt := range tests {
		if d := Distance(tt.p, tt.g); !math.IsNaN(d) {
			t.Errorf("%s: Distance = %v, want NaN", tt.name, d)
		}
	}
}

func TestDistanceClamps(t *testing.T) {
	g := truce.NewPoint(180, 60)
	if got, want := Distance(truce.Position{181, 60}, g), 0.0; got != want {
		t.Fatalf("Distance from 181 E = %v, want %v (clamped to 180)", got, want)
	}
	if got, want := Distance(truce.Position{180, 95}, truce.NewPoint(180, 90)), 0.0; got != want {
		t.Fatalf("Distance from 95 N = %v, want %v (clamped to 90)", got, want)
	}
}

func TestContains(t *testing.T) {
	square := poly(rect(30, 50, 31, 51), rect(30.4, 50.4, 30.6, 50.6))
	multi := truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{
		{rect(30, 50, 30.1, 50.1)},
		{rect(32, 50, 32.1, 50.1), rect(32.04, 50.04, 32.06, 50.06)},
	}}
	tests := []struct {
		name string
		zone truce.Geometry
		p    truce.Position
		want bool
	}{
		{"inside", square, truce.Position{30.2, 50.2}, true},
		{"on the boundary", square, truce.Position{31, 50.5}, true},
		{"in the hole", square, truce.Position{30.5, 50.5}, false},
		{"outside", square, truce.Position{31.2, 50.5}, false},
		{"multi, first", multi, truce.Position{30.05, 50.05}, true},
		{"multi, second", multi, truce.Position{32.02, 50.02}, true},
		{"multi, second's hole", multi, truce.Position{32.05, 50.05}, false},
		{"multi, between", multi, truce.Position{31, 50.05}, false},
		{"a line is no zone", line(truce.Position{30, 50}, truce.Position{31, 50}), truce.Position{30.5, 50}, false},
		{"NaN", square, truce.Position{math.NaN(), 50.2}, false},
		{"empty", truce.Geometry{Type: "Polygon"}, truce.Position{30, 50}, false},
	}
	for _, tt := range tests {
		if got := Contains(tt.zone, tt.p); got != tt.want {
			t.Errorf("%s: Contains = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGeometryRoundTrip(t *testing.T) {
	for _, g := range []truce.Geometry{
		truce.NewPoint(30, 50),
		line(truce.Position{30, 50}, truce.Position{31, 51}),
		{Type: "MultiLineString", Lines: [][]truce.Position{{{30, 50}, {31, 51}}, {{32, 50}, {33, 51}}}},
		poly(rect(30, 50, 31, 51), rect(30.4, 50.4, 30.6, 50.6)),
		{Type: "MultiPolygon", Polygons: [][][]truce.Position{{rect(30, 50, 31, 51)}, {rect(32, 50, 33, 51)}}},
	} {
		if got := ToGeometry(FromGeometry(g)); !reflect.DeepEqual(got, g) {
			t.Errorf("round trip of %s: got %+v, want %+v", g.Type, got, g)
		}
	}
	if g := FromGeometry(truce.Geometry{Type: "GeometryCollection"}); g != nil {
		t.Errorf("FromGeometry(GeometryCollection) = %v, want nil", g)
	}
	if g := ToGeometry(orb.MultiPoint{{1, 2}}); g.Type != "" {
		t.Errorf("ToGeometry(MultiPoint) = %+v, want the zero Geometry", g)
	}
}
