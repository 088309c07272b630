package truce_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

type ring = []truce.Position

func polygonOf(rings ...ring) truce.Geometry {
	return truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{rings}}
}

var (
	square = ring{{30, 44}, {34, 44}, {34, 46}, {30, 46}, {30, 44}}
	hole   = ring{{31, 44.5}, {31, 45.5}, {33, 45.5}, {33, 44.5}, {31, 44.5}}
)

func TestGeometryValid(t *testing.T) {
	tests := []struct {
		name string
		g    truce.Geometry
		json string
	}{
		{"point", truce.NewPoint(30.5234, 50.4501), `{"type":"Point","coordinates":[30.5234,50.4501]}`},
		{"point at the antimeridian and a pole", truce.NewPoint(-180, 90), `{"type":"Point","coordinates":[-180,90]}`},
		{"line", truce.Geometry{Type: "LineString", Lines: [][]truce.Position{{{30, 50}, {31, 51}, {32, 50}}}},
			`{"type":"LineString","coordinates":[[30,50],[31,51],[32,50]]}`},
		{"multiline", truce.Geometry{Type: "MultiLineString", Lines: [][]truce.Position{{{30, 50}, {31, 51}}, {{31, 50}, {30, 51}}}},
			`{"type":"MultiLineString","coordinates":[[[30,50],[31,51]],[[31,50],[30,51]]]}`},
		{"polygon", polygonOf(square), `{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,46],[30,46],[30,44]]]}`},
		{"polygon with a hole", polygonOf(square, hole),
			`{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,46],[30,46],[30,44]],[[31,44.5],[31,45.5],[33,45.5],[33,44.5],[31,44.5]]]}`},
		{"polygon with a repeated position", polygonOf(ring{{30, 44}, {34, 44}, {34, 44}, {34, 46}, {30, 46}, {30, 44}}),
			`{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,44],[34,46],[30,46],[30,44]]]}`},
		{"polygon with a repeated closing position", polygonOf(ring{{30, 44}, {34, 44}, {34, 46}, {30, 46}, {30, 44}, {30, 44}}),
			`{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,46],[30,46],[30,44],[30,44]]]}`},
		{"triangle", polygonOf(ring{{30, 44}, {34, 44}, {32, 46}, {30, 44}}),
			`{"type":"Polygon","coordinates":[[[30,44],[34,44],[32,46],[30,44]]]}`},
		{"multipolygon", truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{{square, hole}, {{{36, 44}, {37, 44}, {37, 45}, {36, 44}}}}},
			`{"type":"MultiPolygon","coordinates":[[[[30,44],[34,44],[34,46],[30,46],[30,44]],[[31,44.5],[31,45.5],[33,45.5],[33,44.5],[31,44.5]]],[[[36,44],[37,44],[37,45],[36,44]]]]}`},
		{"the Black Sea", *blackSea(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.g.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			data, err := json.Marshal(tt.g)
			if err != nil {
				t.Fatal(err)
			}
			if tt.json != "" && string(data) != tt.json {
				t.Errorf("MarshalJSON:\n got %s\nwant %s", data, tt.json)
			}
			var back truce.Geometry
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatalf("UnmarshalJSON(%s): %v", data, err)
			}
			again, _ := json.Marshal(back)
			if string(again) != string(data) {
				t.Errorf("round trip is not stable:\n%s\n%s", data, again)
			}
			if back.Type != tt.g.Type {
				t.Errorf("type %s, want %s", back.Type, tt.g.Type)
			}
		})
	}
}

func TestGeometryInvalid(t *testing.T) {
	nan := math.NaN()
	line := func(ps ...truce.Position) truce.Geometry {
		return truce.Geometry{Type: "LineString", Lines: [][]truce.Position{ps}}
	}
	tests := []struct {
		name string
		g    truce.Geometry
		want string
	}{
		{"no type", truce.Geometry{}, "type"},
		{"unknown type", truce.Geometry{Type: "Circle", Polygons: [][][]truce.Position{{square}}}, `"Circle"`},
		{"lowercase type", truce.Geometry{Type: "point"}, `"point"`},
		{"longitude out of range", truce.NewPoint(180.0001, 0), "Longitude 180.0001"},
		{"longitude out of range, negative", truce.NewPoint(-181, 0), "Longitude -181"},
		{"latitude out of range", truce.NewPoint(0, 90.5), "Latitude 90.5"},
		{"NaN longitude", truce.NewPoint(nan, 50), "finite"},
		{"NaN latitude", truce.NewPoint(30, nan), "finite"},
		{"infinite", truce.NewPoint(math.Inf(-1), 50), "finite"},
		{"NaN in a ring", polygonOf(ring{{30, 44}, {34, nan}, {34, 46}, {30, 44}}), "finite"},
		{"out of range in a hole", polygonOf(square, ring{{31, 44.5}, {31, 95}, {33, 45.5}, {31, 44.5}}), "Latitude 95"},
		{"line of one position", line(truce.Position{30, 50}), "two or more"},
		{"line with no lines", truce.Geometry{Type: "LineString"}, "LineString"},
		{"multiline with no lines", truce.Geometry{Type: "MultiLineString"}, "no lines"},
		{"open ring", polygonOf(ring{{30, 44}, {34, 44}, {34, 46}, {30, 46}}), "closed"},
		{"open hole", polygonOf(square, hole[:4]), "ring 1"},
		{"ring of three positions", polygonOf(ring{{30, 44}, {34, 44}, {30, 44}}), "four positions"},
		{"ring of one point", polygonOf(ring{{30, 44}, {30, 44}, {30, 44}, {30, 44}}), "three distinct"},
		{"ring of two points", polygonOf(ring{{30, 44}, {34, 44}, {34, 44}, {30, 44}}), "three distinct"},
		{"no rings", truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{}}}, "no rings"},
		{"no polygons", truce.Geometry{Type: "MultiPolygon"}, "no polygons"},
		{"bow tie", polygonOf(ring{{30, 44}, {34, 46}, {34, 44}, {30, 46}, {30, 44}}), "intersects itself"},
		{"figure eight through a vertex", polygonOf(ring{{30, 44}, {32, 45}, {34, 44}, {34, 46}, {32, 45}, {30, 46}, {30, 44}}), "intersects itself"},
		{"edge back over itself", polygonOf(ring{{30, 44}, {34, 44}, {30, 44}, {34, 44}, {30, 44}}), "intersects itself"},
		{"hole crossing the shell", polygonOf(square, ring{{31, 45}, {35, 45}, {35, 45.5}, {31, 45.5}, {31, 45}}), "intersects itself"},
		{"bow tie in the second polygon", truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{{square}, {{{40, 44}, {42, 46}, {42, 44}, {40, 46}, {40, 44}}}}}, "Polygon 1"},
		{"a Point with lines", truce.Geometry{Type: "Point", Lines: [][]truce.Position{{{30, 50}, {31, 51}}}}, "only its own"},
		{"a LineString of two lines", truce.Geometry{Type: "LineString", Lines: [][]truce.Position{{{30, 50}, {31, 51}}, {{32, 50}, {33, 51}}}}, "only its own"},
		{"a Polygon of two polygons", truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{square}, {square}}}, "only its own"},
		{"a Polygon with a point", truce.Geometry{Type: "Polygon", Point: truce.Position{1, 2}, Polygons: [][][]truce.Position{{square}}}, "only its own"},
		{"a MultiPolygon with lines", truce.Geometry{Type: "MultiPolygon", Lines: [][]truce.Position{{{30, 50}, {31, 51}}}, Polygons: [][][]truce.Position{{square}}}, "only its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.Validate()
			wantError(t, "Validate", err, truce.EINVALID, tt.want)
			checkMessage(t, err)
			// MarshalJSON never panics; what it writes, UnmarshalJSON
			// refuses, unless it is a geometry with fields beyond its
			// type's, which MarshalJSON leaves out.
			data, err := json.Marshal(tt.g)
			if err != nil || tt.want == "only its own" {
				return // NaN and infinities have no JSON form
			}
			var back truce.Geometry
			err = json.Unmarshal(data, &back)
			wantError(t, "UnmarshalJSON("+string(data)+")", err, truce.EINVALID)
		})
	}
}

func TestGeometryUnmarshalRefuses(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not an object", `[30, 50]`, "GeoJSON"},
		{"null", `null`, "type"},
		{"no type", `{"coordinates":[30,50]}`, "type"},
		{"a Feature", `{"type":"Feature","geometry":{"type":"Point","coordinates":[30,50]}}`, `"Feature"`},
		{"a GeometryCollection", `{"type":"GeometryCollection","geometries":[]}`, `"GeometryCollection"`},
		{"no coordinates", `{"type":"Point"}`, "malformed"},
		{"null coordinates", `{"type":"Point","coordinates":null}`, "position"},
		{"empty position", `{"type":"Point","coordinates":[]}`, "position"},
		{"position of one number", `{"type":"Point","coordinates":[30]}`, "position"},
		{"position of four numbers", `{"type":"Point","coordinates":[30,50,100,1]}`, "position"},
		{"position of strings", `{"type":"Point","coordinates":["30","50"]}`, "position"},
		{"NaN", `{"type":"Point","coordinates":[NaN,50]}`, ""},
		{"number too large", `{"type":"Point","coordinates":[1e400,50]}`, "position"},
		{"longitude out of range", `{"type":"Point","coordinates":[200,50]}`, "Longitude 200"},
		{"latitude out of range", `{"type":"Point","coordinates":[30,-90.000001]}`, "Latitude -90.000001"},
		{"line of one position", `{"type":"LineString","coordinates":[[30,50]]}`, "two or more"},
		{"line with a null position", `{"type":"LineString","coordinates":[[30,50],null]}`, "position"},
		{"line nested too little", `{"type":"LineString","coordinates":[30,50]}`, ""},
		{"polygon nested too little", `{"type":"Polygon","coordinates":[[30,44],[34,44],[34,46],[30,44]]}`, ""},
		{"open ring", `{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,46],[30,46]]]}`, "closed"},
		{"bow tie", `{"type":"Polygon","coordinates":[[[30,44],[34,46],[34,44],[30,46],[30,44]]]}`, "intersects itself"},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, "no rings"},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, "no polygons"},
		{"null multipolygon", `{"type":"MultiPolygon","coordinates":null}`, "no polygons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g truce.Geometry
			err := json.Unmarshal([]byte(tt.json), &g)
			if strings.Contains(tt.json, "NaN") {
				// encoding/json refuses the document before it reaches us.
				if err == nil {
					t.Fatal("NaN accepted")
				}
				return
			}
			wantError(t, tt.json, err, truce.EINVALID, tt.want)
			checkMessage(t, err)
		})
	}
}

// TestGeometryAltitude checks that a position with an altitude, which
// GeoJSON allows, is read and the altitude dropped.
func TestGeometryAltitude(t *testing.T) {
	var g truce.Geometry
	if err := json.Unmarshal([]byte(`{"type":"Point","coordinates":[30.5,50.25,170],"bbox":[30.5,50.25,30.5,50.25]}`), &g); err != nil {
		t.Fatal(err)
	}
	if g.Point != (truce.Position{30.5, 50.25}) || g.Point.Lon() != 30.5 || g.Point.Lat() != 50.25 {
		t.Errorf("point = %v", g.Point)
	}
	data, _ := json.Marshal(g)
	if string(data) != `{"type":"Point","coordinates":[30.5,50.25]}` {
		t.Errorf("MarshalJSON = %s", data)
	}
}

func TestGeometryBounds(t *testing.T) {
	tests := []struct {
		name       string
		g          truce.Geometry
		w, s, e, n float64
	}{
		{"point", truce.NewPoint(30.5, 50.25), 30.5, 50.25, 30.5, 50.25},
		{"line", truce.Geometry{Type: "LineString", Lines: [][]truce.Position{{{32, 50}, {30, 51}, {31, 49}}}}, 30, 49, 32, 51},
		{"polygon with a hole", polygonOf(square, hole), 30, 44, 34, 46},
		{"multipolygon", truce.Geometry{Type: "MultiPolygon", Polygons: [][][]truce.Position{{square}, {{{-10, -5}, {-9, -5}, {-9, -4}, {-10, -5}}}}}, -10, -5, 34, 46},
		{"the Black Sea", *blackSea(), 27.9, 40.9, 41.6, 46.6},
	}
	for _, tt := range tests {
		w, s, e, n := tt.g.Bounds()
		if w != tt.w || s != tt.s || e != tt.e || n != tt.n {
			t.Errorf("%s: Bounds = %v %v %v %v, want %v %v %v %v", tt.name, w, s, e, n, tt.w, tt.s, tt.e, tt.n)
		}
	}
}

// TestGeometryMarshalNeverPanics marshals geometries whose fields do not
// match their type, which Validate refuses: MarshalJSON must not panic.
func TestGeometryMarshalNeverPanics(t *testing.T) {
	for _, g := range []truce.Geometry{
		{}, {Type: "LineString"}, {Type: "Polygon"}, {Type: "MultiLineString"}, {Type: "MultiPolygon"}, {Type: "Circle"},
		{Type: "Polygon", Lines: [][]truce.Position{{{1, 2}}}},
	} {
		if _, err := json.Marshal(g); err != nil {
			t.Errorf("Marshal(%+v): %v", g, err)
		}
	}
}

func TestGeometryVertexLimit(t *testing.T) {
	line := make([]truce.Position, 20001)
	for i := range line {
		line[i] = truce.Position{float64(i%360) - 180, float64(i%180) - 90}
	}
	g := truce.Geometry{Type: "LineString", Lines: [][]truce.Position{line}}
	wantError(t, "too many positions", g.Validate(), truce.EINVALID, "20001 positions")
	g.Lines[0] = line[:20000]
	if err := g.Validate(); err != nil {
		t.Errorf("20000 positions: %v", err)
	}
}

func TestCategoriesAndActs(t *testing.T) {
	seen := map[truce.Category]bool{}
	for _, c := range truce.Categories() {
		if !c.ID.Valid() || c.Description == "" || seen[c.ID] {
			t.Errorf("category %+v", c)
		}
		// Parents come before their children.
		if i := strings.LastIndex(string(c.ID), "."); i > 0 && !seen[c.ID[:i]] {
			t.Errorf("category %s comes before its parent", c.ID)
		}
		seen[c.ID] = true
	}
	for _, c := range []truce.Category{"energy.generation.nuclear", "energy.generation.hydro", "energy.generation.thermal", "energy.generation.solar",
		"energy.transmission.substation", "energy.transmission.line", "energy.oil.refinery", "energy.oil.pipeline", "energy.gas.pipeline",
		"energy.gas.storage", "energy.gas.metering", "health.hospital", "maritime.port", "maritime.vessel"} {
		if !c.Valid() {
			t.Errorf("category %s of DESIGN.md is not valid", c)
		}
	}
	for _, c := range []truce.Category{"", "energy.", "Energy", "energy..oil", "energy.coal", ".energy"} {
		if c.Valid() {
			t.Errorf("category %q is valid", c)
		}
	}
	covers := []struct {
		c, o truce.Category
		want bool
	}{
		{"energy", "energy.oil.refinery", true},
		{"energy", "energy", true},
		{"energy.gas", "energy.gas.metering", true},
		{"energy.gas", "energy.generation", false},
		{"energy.generation", "energy.generation.nuclear", true},
		{"energy.generation.nuclear", "energy.generation", false},
		{"energy.oil", "energy.oilfield", false},
		{"maritime", "energy.oil.refinery", false},
	}
	for _, c := range covers {
		if got := c.c.Covers(c.o); got != c.want {
			t.Errorf("%s covers %s: %v, want %v", c.c, c.o, got, c.want)
		}
	}
	for _, a := range truce.Acts() {
		if !a.Valid() {
			t.Errorf("act %s is not valid", a)
		}
	}
	if truce.Act("cyber_attack").Valid() || truce.Act("").Valid() {
		t.Error("an unknown act is valid")
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		in, out string
	}{{"30d", "30d"}, {"72h", "3d"}, {"6h", "6h0m0s"}, {"90m", "1h30m0s"}, {"0d", "0s"}, {"36h", "36h0m0s"}} {
		d, err := truce.ParseDuration(c.in)
		if err != nil || d.String() != c.out {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", c.in, d, err, c.out)
			continue
		}
		data, _ := json.Marshal(d)
		var back truce.Duration
		if err := json.Unmarshal(data, &back); err != nil || back != d {
			t.Errorf("round trip of %s: %v %v", c.in, back, err)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "-1d", "3651d", "thirty days", "1e3h", "5"} {
		if _, err := truce.ParseDuration(in); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("ParseDuration(%q): %v, want invalid", in, err)
		}
	}
	var d truce.Duration
	wantError(t, "a number", json.Unmarshal([]byte(`3600`), &d), truce.EINVALID, "duration")
}
