package importer_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// parties maps both country code forms of the two parties.
var parties = map[string]string{"UKR": "ua", "UA": "ua", "RUS": "ru", "RU": "ru"}

func readFile(t *testing.T, path, format string, opts importer.Options) *importer.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := importer.Read(f, format, opts)
	if err != nil {
		t.Fatalf("Read(%s, %s): %v", path, format, err)
	}
	checkResult(t, res)
	return res
}

func readString(t *testing.T, input, format string, opts importer.Options) *importer.Result {
	t.Helper()
	res, err := importer.Read(strings.NewReader(input), format, opts)
	if err != nil {
		t.Fatalf("Read(%s): %v", format, err)
	}
	checkResult(t, res)
	return res
}

// checkResult checks what every result must hold: valid sites with
// distinct ids, and counts that add up.
func checkResult(t testing.TB, res *importer.Result) {
	t.Helper()
	seen := map[string]bool{}
	for i := range res.Sites {
		s := &res.Sites[i]
		if err := s.Validate(); err != nil {
			t.Fatalf("site %s: %v", s.ID, err)
		}
		if seen[s.ID] {
			t.Fatalf("site %s twice", s.ID)
		}
		seen[s.ID] = true
	}
	n := 0
	for _, c := range res.Reasons {
		n += c
	}
	if n != res.Skipped || len(res.Sites)+res.Skipped != res.Rows {
		t.Fatalf("counts: %d sites + %d skipped (%d by reason) != %d rows", len(res.Sites), res.Skipped, n, res.Rows)
	}
}

// mustFail checks that reading input fails with EINVALID and a message
// holding want.
func mustFail(t *testing.T, input, format string, opts importer.Options, want string) {
	t.Helper()
	res, err := importer.Read(strings.NewReader(input), format, opts)
	if err == nil {
		t.Fatalf("Read succeeded with %d sites; want an error with %q", len(res.Sites), want)
	}
	var te *truce.Error
	if !errors.As(err, &te) || te.Code != truce.EINVALID {
		t.Fatalf("error %v is not an EINVALID truce.Error", err)
	}
	if !strings.Contains(te.Message, want) {
		t.Fatalf("error %q does not contain %q", te.Message, want)
	}
}

func byID(res *importer.Result) map[string]truce.Site {
	m := map[string]truce.Site{}
	for _, s := range res.Sites {
		m[s.ID] = s
	}
	return m
}

// want is what a test expects of one site; empty fields are not checked.
type want struct {
	id, name   string
	category   truce.Category
	controller string
	geometry   string // the geometry type
	point      truce.Position
	attrs      map[string]string
	operator   string
	source     string
}

func checkSites(t *testing.T, res *importer.Result, wants []want) {
	t.Helper()
	sites := byID(res)
	for _, w := range wants {
		s, ok := sites[w.id]
		if !ok {
			t.Errorf("no site %s", w.id)
			continue
		}
		if w.name != "" && s.Name != w.name {
			t.Errorf("%s: name %q, want %q", w.id, s.Name, w.name)
		}
		if w.category != "" && s.Category != w.category {
			t.Errorf("%s: category %s, want %s", w.id, s.Category, w.category)
		}
		if w.controller != "" && s.Controller != w.controller {
			t.Errorf("%s: controller %s, want %s", w.id, s.Controller, w.controller)
		}
		if w.geometry != "" && s.Geometry.Type != w.geometry {
			t.Errorf("%s: geometry %s, want %s", w.id, s.Geometry.Type, w.geometry)
		}
		if w.point != (truce.Position{}) && s.Geometry.Point != w.point {
			t.Errorf("%s: point %v, want %v", w.id, s.Geometry.Point, w.point)
		}
		if w.operator != "" && s.Operator != w.operator {
			t.Errorf("%s: operator %q, want %q", w.id, s.Operator, w.operator)
		}
		if w.source != "" && s.Source != w.source {
			t.Errorf("%s: source %q, want %q", w.id, s.Source, w.source)
		}
		for k, v := range w.attrs {
			if got, ok := s.Attributes[k]; v == "" && ok || v != "" && got != v {
				t.Errorf("%s: attribute %s = %q, want %q", w.id, k, got, v)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	for _, f := range importer.Formats() {
		if f.Name == "" || f.Description == "" || strings.Contains(f.Description, "\n") {
			t.Errorf("format %+v", f)
		}
		// Every format answers, even on empty input, with a result or an
		// EINVALID error.
		_, err := importer.Read(strings.NewReader(""), f.Name, importer.Options{DefaultController: "ua"})
		if err != nil && truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("%s on empty input: %v", f.Name, err)
		}
	}
	for name, format := range map[string]string{"a.geojson": "geojson", "B.OSM": "osm", "ukraine-latest.osm.pbf": "osm-pbf", "x.csv": ""} {
		if got := importer.FormatOf(name); got != format {
			t.Errorf("FormatOf(%s) = %q, want %q", name, got, format)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	const row = "country,name,latitude,longitude,capacity_mw,primary_fuel,gppd_idnr\nUKR,A,50,30,1,Coal,X1\n"
	for _, tc := range []struct {
		name   string
		format string
		opts   importer.Options
		want   string
	}{
		{"unknown format", "xls", importer.Options{DefaultController: "ua"}, `Unknown import format "xls"`},
		{"no controller", "gppd", importer.Options{}, "No way to tell who controls"},
		{"bad member id", "gppd", importer.Options{Controllers: map[string]string{"UKR": "Ukraine"}}, `Controller for country "UKR"`},
		{"bad default", "gppd", importer.Options{DefaultController: "UA"}, "Default controller"},
		{"conflicting countries", "gppd", importer.Options{Controllers: map[string]string{"ukr": "ua", "UKR": "ru"}}, `Country "UKR" is mapped twice`},
		{"bad category mapping", "csv", importer.Options{DefaultController: "ua", Categories: map[string]truce.Category{"x": "energy.nope"}}, `unknown category "energy.nope"`},
		{"bad fixed category", "csv", importer.Options{DefaultController: "ua", Category: "nope"}, `Unknown category "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, row, tc.format, tc.opts, tc.want) })
	}
}

func TestSummary(t *testing.T) {
	res := readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controllers: map[string]string{"UKR": "ua"}})
	got := strings.Join(res.Summary(), "; ")
	if got != "20 skipped: country RUS maps to no party" {
		t.Errorf("Summary() = %q", got)
	}
}

// TestIdempotent checks that importing the same file twice gives the same
// sites, hash for hash.
func TestIdempotent(t *testing.T) {
	opts := importer.Options{Controllers: parties}
	a := readFile(t, "testdata/gppd.csv", "gppd", opts)
	b := readFile(t, "testdata/gppd.csv", "gppd", opts)
	for i := range a.Sites {
		if a.Sites[i].Hash() != b.Sites[i].Hash() {
			t.Fatalf("site %s hashes differ", a.Sites[i].ID)
		}
	}
}

// failingReader fails after some bytes, as a broken disk would.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), f.n)
	for i := range n {
		p[i] = 'a'
	}
	f.n -= n
	return n, nil
}

func TestReadError(t *testing.T) {
	for _, f := range importer.Formats() {
		_, err := importer.Read(&failingReader{n: 10}, f.Name, importer.Options{DefaultController: "ua"})
		if err == nil {
			t.Errorf("%s: no error", f.Name)
			continue
		}
		// A failing reader is our fault to report, not the user's input.
		if !strings.Contains(err.Error(), "disk on fire") && truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}
