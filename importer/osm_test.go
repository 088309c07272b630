package importer_test

import (
	"bytes"
	"compress/bzip2"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// onlyReader hides a reader's Seek method, so Read takes one pass.
type onlyReader struct{ io.Reader }

var osmWants = []want{
	{id: "osm:node:1", name: "Test nuclear plant", category: "energy.generation.nuclear", geometry: "Point",
		point: truce.Position{30.1, 50.1}, source: "OpenStreetMap", attrs: map[string]string{"plant:output:electricity": "2000 MW"}},
	{id: "osm:node:2", name: "Wind farm osm:node:2", category: "energy.generation.wind"},
	{id: "osm:node:3", name: "Substation osm:node:3", category: "energy.transmission.substation", operator: "Test grid operator",
		attrs: map[string]string{"voltage": "330000;110000"}},
	{id: "osm:node:4", name: "Лікарня №1", category: "health.hospital"},
	{id: "osm:node:5", category: "energy.oil.storage"},
	{id: "osm:node:7", name: "Тестова ГЕС", category: "energy.generation.hydro"},
	{id: "osm:way:100", category: "energy.transmission.line", geometry: "LineString", attrs: map[string]string{"voltage": "330000", "cables": "3"}},
	{id: "osm:way:101", name: "Test substation", category: "energy.transmission.substation", geometry: "Polygon"},
	{id: "osm:way:102", category: "energy.gas.pipeline", geometry: "LineString"},
	{id: "osm:way:105", name: "Test dam", category: "water.dam", geometry: "LineString"},
}

func TestOSMXML(t *testing.T) {
	data, err := os.ReadFile("testdata/extract.osm")
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]func() io.Reader{
		"two passes": func() io.Reader { return bytes.NewReader(data) },
		"one pass":   func() io.Reader { return onlyReader{bytes.NewReader(data)} },
	} {
		t.Run(name, func(t *testing.T) {
			res, err := importer.Read(r(), "osm", importer.Options{DefaultController: "ua"})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
			checkOSM(t, res)
		})
	}
}

func checkOSM(t *testing.T, res *importer.Result) {
	t.Helper()
	if len(res.Sites) != 10 || res.Skipped != 2 || res.Reasons["ways with nodes missing from the file"] != 1 ||
		res.Reasons["relations (multipolygons, routes) are not imported"] != 1 {
		t.Fatalf("%d sites, %d skipped: %v", len(res.Sites), res.Skipped, res.Reasons)
	}
	checkSites(t, res, osmWants)
	sites := byID(res)
	if l := sites["osm:way:100"].Geometry.Lines[0]; len(l) != 3 || !near(l[1], truce.Position{30.05, 50.05}) {
		t.Errorf("line %v", l)
	}
	if p := sites["osm:way:101"].Geometry.Polygons[0][0]; len(p) != 5 || p[0] != p[4] || !near(p[2], truce.Position{30.1, 50.3}) {
		t.Errorf("polygon %v", p)
	}
	if s := sites["osm:way:101"]; s.SourceRow != "way/101" {
		t.Errorf("source row %q", s.SourceRow)
	}
	for _, id := range []string{"osm:node:6", "osm:way:103", "osm:way:104", "osm:relation:200"} {
		if _, ok := sites[id]; ok {
			t.Errorf("%s imported", id)
		}
	}
}

func near(a, b truce.Position) bool {
	return math.Abs(a[0]-b[0]) < 1e-9 && math.Abs(a[1]-b[1]) < 1e-9
}

func TestOSMPBF(t *testing.T) {
	pbf := importer.PBFFromXML(t, "testdata/extract.osm", false)
	for name, r := range map[string]io.Reader{
		"two passes": bytes.NewReader(pbf),
		"one pass":   onlyReader{bytes.NewReader(pbf)},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := importer.Read(r, "osm-pbf", importer.Options{DefaultController: "ua"})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
			checkOSM(t, res)
		})
	}
	// The PBF and XML readers agree.
	f, _ := os.Open("testdata/extract.osm")
	defer f.Close()
	x, err := importer.Read(f, "osm", importer.Options{DefaultController: "ua"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := importer.Read(bytes.NewReader(pbf), "osm-pbf", importer.Options{DefaultController: "ua"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Sites {
		a, b := x.Sites[i], p.Sites[i]
		if a.ID != b.ID || a.Name != b.Name || a.Category != b.Category || a.Geometry.Type != b.Geometry.Type || !near(anchor(a), anchor(b)) {
			t.Errorf("xml %+v\npbf %+v", a, b)
		}
	}
}

func anchor(s truce.Site) truce.Position {
	switch s.Geometry.Type {
	case "Point":
		return s.Geometry.Point
	case "LineString":
		return s.Geometry.Lines[0][0]
	}
	return s.Geometry.Polygons[0][0][0]
}

func TestOSMController(t *testing.T) {
	f, _ := os.Open("testdata/extract.osm")
	defer f.Close()
	res, err := importer.Read(f, "osm", importer.Options{Controller: func(country string, p truce.Position) string {
		if p.Lat() >= 50.45 {
			return "ru"
		}
		if p.Lat() >= 50.35 {
			return ""
		}
		return "ua"
	}})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	checkSites(t, res, []want{
		{id: "osm:node:1", controller: "ua"},
		{id: "osm:node:5", controller: "ru"},
		{id: "osm:way:100", controller: "ua"},
		{id: "osm:way:102", controller: "ua"}, // its first node is at 50.3
	})
	if _, ok := byID(res)["osm:node:4"]; ok || res.Reasons["no country given and no default controller"] != 2 {
		t.Errorf("%v", res.Reasons)
	}
}

const osmHead = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
`

func TestOSMBadElements(t *testing.T) {
	opts := importer.Options{DefaultController: "ua"}
	for _, tc := range []struct{ name, in, want string }{
		{"malformed xml", osmHead + `<node id="1" lat="50" lon="30"><tag k="power" v="line"></node>`, "The OpenStreetMap file is malformed"},
		{"bad number", osmHead + `<node id="1" lat="fifty" lon="30"/></osm>`, "The OpenStreetMap file is malformed"},
		{"latitude", osmHead + `<node id="9" lat="100" lon="30"><tag k="amenity" v="hospital"/><tag k="name" v="H"/></node></osm>`,
			"node 9: Site osm:node:9: Latitude 100 is outside [-90, 90]"},
		{"NaN", osmHead + `<node id="9" lat="NaN" lon="30"><tag k="amenity" v="hospital"/></node></osm>`, "node 9: Site osm:node:9: Coordinates must be finite"},
		{"way node out of range", osmHead + `<node id="1" lat="50" lon="30"/><node id="2" lat="50" lon="190"/>
			<way id="5"><nd ref="1"/><nd ref="2"/><tag k="power" v="line"/></way></osm>`, "way 5: Site osm:way:5: Longitude 190 is outside"},
		{"one node", osmHead + `<node id="1" lat="50" lon="30"/><way id="5"><nd ref="1"/><tag k="power" v="line"/></way></osm>`,
			"way 5: Site osm:way:5: Line 0 has 1 positions"},
		{"crossing area", osmHead + `<node id="1" lat="50" lon="30"/><node id="2" lat="51" lon="31"/><node id="3" lat="50" lon="31"/><node id="4" lat="51" lon="30"/>
			<way id="5"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="power" v="substation"/></way></osm>`,
			"way 5: Site osm:way:5: Polygon 0 intersects itself"},
		{"no coordinates", osmHead + `<node id="9"><tag k="amenity" v="hospital"/></node></osm>`, "node 9: the node has no coordinates"},
		{"way node without coordinates", osmHead + `<node id="1" lat="50" lon="30"/><node id="2"/>
			<way id="5"><nd ref="1"/><nd ref="2"/><tag k="power" v="line"/></way></osm>`, "way 5: node 2 has no coordinates"},
		{"control character", osmHead + `<node id="9" lat="50" lon="30"><tag k="amenity" v="hospital"/><tag k="name" v="a&#x85;b"/></node></osm>`,
			"node 9: Site osm:node:9: name contains a control character"},
		{"duplicate", osmHead + `<node id="9" lat="50" lon="30"><tag k="amenity" v="hospital"/></node><node id="9" lat="50" lon="30"><tag k="amenity" v="hospital"/></node></osm>`,
			"node 9: site id osm:node:9 is already used on node 9"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "osm", opts, tc.want) })
	}
}

func TestOSMNormalises(t *testing.T) {
	long := strings.Repeat("Ж", 200) // 400 bytes
	in := osmHead + `<node id="1" lat="50" lon="30"/><node id="2" lat="50.1" lon="30"/><node id="3" lat="50.1" lon="30.1"/>
		<way id="5"><nd ref="1"/><nd ref="2"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="power" v="substation"/><tag k="name" v="` + long + `"/></way>
		<way id="6"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="power" v="line"/></way>
		<way id="7"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="amenity" v="hospital"/><tag k="area" v="no"/></way>
		<way id="8" ><nd ref="1" lat="49" lon="29"/><nd ref="2" lat="49.1" lon="29"/><tag k="power" v="line"/></way>
		</osm>`
	res := readString(t, in, "osm", importer.Options{DefaultController: "ua"})
	s := byID(res)
	// A repeated node is dropped, and an over-long name cut at a character.
	if g := s["osm:way:5"].Geometry; g.Type != "Polygon" || len(g.Polygons[0][0]) != 4 {
		t.Errorf("way 5: %+v", g)
	}
	if n := s["osm:way:5"].Name; len(n) != 300 || n != long[:300] {
		t.Errorf("name of %d bytes", len(n))
	}
	// Closed lines stay lines; area=no keeps a closed way a line.
	if s["osm:way:6"].Geometry.Type != "LineString" || s["osm:way:7"].Geometry.Type != "LineString" {
		t.Errorf("ways 6, 7: %s %s", s["osm:way:6"].Geometry.Type, s["osm:way:7"].Geometry.Type)
	}
	// Coordinates carried by the way (Overpass "out geom") are used.
	if l := s["osm:way:8"].Geometry.Lines[0]; l[0] != (truce.Position{29, 49}) {
		t.Errorf("way 8: %v", l)
	}
}

// moduleFile returns a file of a module in the module cache, or skips.
func moduleFile(t *testing.T, module, file string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("module %s not found: %v", module, err)
	}
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s: %v", path, err)
	}
	return path
}

// TestOSMRealPBF reads a real Geofabrik extract, Delaware (7.8 MB), that
// the osm module ships for its own tests.
func TestOSMRealPBF(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := moduleFile(t, "github.com/paulmach/osm", "testdata/delaware-latest.osm.pbf")
	res := readFile(t, path, "osm-pbf", importer.Options{DefaultController: "us"})
	counts := map[truce.Category]int{}
	for _, s := range res.Sites {
		counts[s.Category]++
	}
	t.Logf("Delaware: %d sites, %d skipped %v, by category %v", len(res.Sites), res.Skipped, res.Reasons, counts)
	if counts["health.hospital"] == 0 || counts["energy.transmission.substation"] == 0 || counts["energy.transmission.line"] == 0 {
		t.Errorf("categories %v", counts)
	}
	// One pass gives the same.
	f, _ := os.Open(path)
	defer f.Close()
	one, err := importer.Read(onlyReader{f}, "osm-pbf", importer.Options{DefaultController: "us"})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Sites) != len(res.Sites) {
		t.Errorf("one pass: %d sites, two passes: %d", len(one.Sites), len(res.Sites))
	}
	for i := range one.Sites {
		if one.Sites[i].Hash() != res.Sites[i].Hash() {
			t.Fatalf("site %s differs between one and two passes", one.Sites[i].ID)
		}
	}
}

// TestOSMRealXML reads a real extract in XML, Andorra, that the osm module
// ships compressed.
func TestOSMRealXML(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := moduleFile(t, "github.com/paulmach/osm", "testdata/andorra-latest.osm.bz2")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := importer.Read(bzip2.NewReader(f), "osm", importer.Options{DefaultController: "ad"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	counts := map[truce.Category]int{}
	for _, s := range res.Sites {
		counts[s.Category]++
	}
	t.Logf("Andorra: %d sites, %d skipped %v, by category %v", len(res.Sites), res.Skipped, res.Reasons, counts)
	if len(res.Sites) == 0 {
		t.Error("no sites")
	}
}

// TestOSMPipe reads from a pipe, an *os.File that cannot seek, as the CLI
// does with standard input.
func TestOSMPipe(t *testing.T) {
	data, err := os.ReadFile("testdata/extract.osm")
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(data)
		w.Close()
	}()
	defer r.Close()
	res, err := importer.Read(r, "osm", importer.Options{DefaultController: "ua"})
	if err != nil {
		t.Fatal(err)
	}
	checkOSM(t, res)
}
