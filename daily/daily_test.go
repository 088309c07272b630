package daily

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture is a small set of incidents in the JSON the API sends, with a
// determination, a status, and a reporter's text that tries to be markup.
const fixture = `[
 {"id":"a1aaaaaaaaaaaaaaaa","start":"2025-03-19T23:10:00Z","act":"drone_strike","accused":["ru"],"where":{"lat":47.5,"lon":34.6,"place":"Enerhodar"},
  "assessment":{"grade":"single_source","sites":[{"site":"s1","name":"Zaporizhzhia NPP","category":"energy.generation.nuclear"}]}},
 {"id":"a2aaaaaaaaaaaaaaaa","start":"2025-03-20T03:10:00Z","act":"drone_strike","accused":["ru"],"status":"determined","where":{"lat":47.5,"lon":34.6,"place":"Enerhodar <b>pond</b>"},
  "assessment":{"grade":"corroborated","sites":[{"site":"s1","name":"Zaporizhzhia NPP","category":"energy.generation.nuclear"}]},
  "determinations":[{"statement":"dd01","index":90,"signer":"monitor","finding":"breach","party":"ru","clauses":["E4"],"publish":true,
   "text":"<script>alert(1)</script> | *not* a table","time":"2025-03-20T18:00:00Z"}]},
 {"id":"a3aaaaaaaaaaaaaaaa","start":"2025-03-20T11:00:00Z","act":"shelling","accused":[],"where":{"lat":51.2,"lon":35.3},
  "assessment":{"grade":"single_source","sites":[]}},
 {"id":"a4aaaaaaaaaaaaaaaa","start":"2025-03-20T12:00:00Z","act":"missile_strike","accused":["ua","ru"],"where":{"lat":51.19,"lon":35.27,"place":"Sudzha"},
  "assessment":{"grade":"contested","sites":[{"site":"s2","name":"Sudzha GMS","category":"energy.gas.metering"}]}},
 {"id":"a5aaaaaaaaaaaaaaaa","start":"2025-03-17T09:00:00Z","act":"shelling","accused":["ua"],"where":{"lat":50,"lon":36},
  "assessment":{"grade":"single_source","sites":[]}},
 {"id":"a6aaaaaaaaaaaaaaaa","start":"2025-03-21T09:00:00Z","act":"shelling","accused":["ua"],"where":{"lat":50,"lon":36},
  "assessment":{"grade":"single_source","sites":[]}}
]`

func fixtureReport(t *testing.T) *Report {
	t.Helper()
	var incs []Incident
	if err := json.Unmarshal([]byte(fixture), &incs); err != nil {
		t.Fatal(err)
	}
	return Compute(incs, Options{Date: time.Date(2025, 3, 20, 15, 0, 0, 0, time.UTC), Title: "Energy moratorium",
		Agreement: "energy-moratorium", WindowFrom: time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)})
}

func TestCompute(t *testing.T) {
	r := fixtureReport(t)
	if r.Total != (Count{Day: 3, Previous: 1, Window: 4}) {
		t.Errorf("total = %+v, want day 3, previous 1, window 4 (one before the window, one after the day)", r.Total)
	}
	want := map[string]Count{"ru": {Day: 2, Previous: 1, Window: 3}, "ua": {Day: 1, Window: 1}, None: {Day: 1, Window: 1}}
	if len(r.ByParty) != len(want) {
		t.Errorf("by party: %+v", r.ByParty)
	}
	for _, row := range r.ByParty {
		if row.Count != want[row.Key] {
			t.Errorf("party %s: %+v, want %+v", row.Key, row.Count, want[row.Key])
		}
	}
	if r.ByParty[0].Key != "ru" {
		t.Errorf("rows are not ordered by window count: %+v", r.ByParty)
	}
	if len(r.Determinations) != 1 || r.Determinations[0].Incident != "a2aaaaaaaaaaaaaaaa" {
		t.Errorf("determinations: %+v", r.Determinations)
	}
	if len(r.ByStatus) != 1 || r.ByStatus[0].Key != "determined" {
		t.Errorf("by status: %+v", r.ByStatus)
	}
	if len(r.Incidents) != 3 || r.Incidents[0].ID != "a2aaaaaaaaaaaaaaaa" {
		t.Errorf("incidents: %+v", r.Incidents)
	}
}

func TestEmptyDay(t *testing.T) {
	r := Compute(nil, Options{Date: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)})
	var b bytes.Buffer
	for _, render := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return r.JSON(b) }, func(b *bytes.Buffer) error { return r.Markdown(b) },
		func(b *bytes.Buffer) error { return r.HTML(b) },
	} {
		b.Reset()
		if err := render(&b); err != nil || b.Len() == 0 {
			t.Errorf("render an empty day: %v, %d bytes", err, b.Len())
		}
	}
	if r.Total != (Count{}) || r.ByParty == nil || r.Determinations == nil {
		t.Errorf("empty report: %+v", r)
	}
}

func TestGolden(t *testing.T) {
	r := fixtureReport(t)
	for _, tc := range []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{"report.json", func(b *bytes.Buffer) error { return r.JSON(b) }},
		{"report.md", func(b *bytes.Buffer) error { return r.Markdown(b) }},
		{"report.html", func(b *bytes.Buffer) error { return r.HTML(b) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.render(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file (go test ./daily -update rewrites it):\n%s", tc.file, b.String())
			}
			if strings.Contains(b.String(), "<script>") {
				t.Errorf("%s carries a determination's text unescaped", tc.file)
			}
		})
	}
}
