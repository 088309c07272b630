package engine_test

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Where the golden test's data lie. UCDP's events are not in the
// repository; the test is skipped without them.
const gppdPath = "../cmd/truce/demo/data/gppd_ukr_rus.csv"

// ucdpPath is the UCDP file in $TRUCE_DATA (scripts/test sets it to the
// shared data beside the repository), or in /work/shared/data.
var ucdpPath = filepath.Join(dataDir(), "ucdp_ged_ukraine_2014_2023.csv")

func dataDir() string {
	if d := os.Getenv("TRUCE_DATA"); d != "" {
		return d
	}
	return "/work/shared/data"
}

// The golden scenario: UCDP events from the invasion on that were placed
// within 30 km of a Ukrainian power plant to within a district, the first
// 300 by date, reported as "other" acts against an agreement that
// protects energy everywhere, with a 10 km buffer, through 2022 and 2023.
const (
	goldenNear   = 30000.0
	goldenEvents = 300
	goldenBuffer = 10000.0
)

// readCSV returns the rows of a CSV file as maps from column name.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]string, 0, len(rows))
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, name := range rows[0] {
			m[name] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func number(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// haversine returns the great-circle distance in metres between two
// positions on the sphere that geo measures on.
func haversine(a, b truce.Position) float64 {
	rad := math.Pi / 180
	dLat, dLon := (b[1]-a[1])*rad, (b[0]-a[0])*rad
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * geo.EarthRadius * math.Asin(math.Sqrt(h))
}

// plantSites returns Ukraine's power plants in the GPPD as sites.
func plantSites(t *testing.T) []truce.Site {
	categories := map[string]truce.Category{
		"Coal": "energy.generation.thermal", "Gas": "energy.generation.thermal", "Solar": "energy.generation.solar",
		"Hydro": "energy.generation.hydro", "Nuclear": "energy.generation.nuclear",
	}
	var sites []truce.Site
	for _, r := range readCSV(t, gppdPath) {
		if r["country"] != "UKR" {
			continue
		}
		sites = append(sites, truce.Site{
			ID: "gppd:" + r["gppd_idnr"], Name: r["name"], Category: categories[r["primary_fuel"]],
			Geometry:   truce.NewPoint(number(t, r["longitude"]), number(t, r["latitude"])),
			Controller: "ua", Source: "World Resources Institute, Global Power Plant Database v1.3.0", SourceRow: r["gppd_idnr"],
		})
	}
	return sites
}

// ucdpReport returns the report of a UCDP event.
func ucdpReport(t *testing.T, ev map[string]string) *truce.Report {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	start, end := day(ev["date_start_iso"]), day(ev["date_end_iso"]).Add(24*time.Hour-time.Second)
	end = minT(end, start.Add(31*24*time.Hour))
	precision := "day"
	if end.Sub(start) > 24*time.Hour {
		precision = "range"
	}
	prec := map[string]struct {
		radius float64
		name   string
	}{"1": {1000, "exact"}, "2": {25000, "near"}, "3": {50000, "district"}}[ev["where_prec"]]
	return &truce.Report{
		ClientRef:  "ucdp:" + ev["id"],
		When:       truce.When{Start: start, End: end, Precision: precision},
		Where:      truce.Where{Lat: number(t, ev["latitude"]), Lon: number(t, ev["longitude"]), RadiusMetres: prec.radius, Precision: prec.name, Place: ev["where_coordinates"]},
		Act:        truce.ActOther,
		Damage:     truce.Damage{Level: "unknown"},
		Casualties: truce.Casualties{Precision: "unknown"},
		SourceKind: truce.SourceOSINT,
		Source:     &truce.SourceInfo{Name: "UCDP GED", ID: ev["id"]},
	}
}

func minT(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// goldenEventsOf selects the scenario's events.
func goldenEventsOf(t *testing.T, events []map[string]string, sites []truce.Site) []map[string]string {
	var sel []map[string]string
	for _, ev := range events {
		if ev["date_start_iso"] < "2022-02-24" || ev["where_prec"] > "3" {
			continue
		}
		p := truce.Position{number(t, ev["longitude"]), number(t, ev["latitude"])}
		if slices.ContainsFunc(sites, func(s truce.Site) bool { return haversine(p, s.Geometry.Point) <= goldenNear }) {
			sel = append(sel, ev)
		}
	}
	slices.SortStableFunc(sel, func(a, b map[string]string) int {
		return cmp.Or(strings.Compare(a["date_start_iso"], b["date_start_iso"]), cmp.Compare(number(t, a["id"]), number(t, b["id"])))
	})
	return sel[:min(len(sel), goldenEvents)]
}

// goldenIncident is what the golden file keeps of an incident.
type goldenIncident struct {
	// Incident is the UCDP event whose report started the incident.
	Incident string      `json:"incident"`
	Reports  []string    `json:"reports"`
	Grade    truce.Grade `json:"grade"`
	Sites    []string    `json:"sites"`
}

// TestGoldenUCDP assesses real events against real sites, checks the
// engine's site findings against a brute-force reading of the rules, and
// compares the incidents with the golden file.
func TestGoldenUCDP(t *testing.T) {
	events := readCSV(t, ucdpPath)
	sites := plantSites(t)
	d := newDeployment(t)
	from := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	d.do("us", truce.KindSiteBatch, from, &truce.SiteBatch{Sites: sites})
	until := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	a := truce.Agreement{
		ID: "energy-2022", Version: 1, Title: "Protection of energy infrastructure, 2022 and 2023 (a test)",
		Parties: []string{"ru", "ua"}, Mediator: "us",
		Window: truce.Window{From: from, Until: &until},
		Clauses: []truce.Clause{{
			ID: "P1", Text: "The Parties refrain from any act against energy infrastructure.",
			Protects: []truce.Category{"energy"}, Prohibits: truce.Acts(),
			Buffers: []truce.Buffer{{Category: "energy", Metres: goldenBuffer}},
		}},
		Corroboration: truce.Corroboration{Window: truce.Duration(6 * time.Hour), Metres: 5000},
		ReplyDeadline: truce.Duration(72 * time.Hour),
		Publication:   truce.Publication{Incidents: "all"},
	}
	d.do("us", truce.KindAgreementPropose, from, &truce.AgreementPropose{Agreement: a})
	for _, p := range a.Parties {
		d.do(p, truce.KindAgreementSign, from, &truce.AgreementSign{Agreement: a.ID, Version: 1, AcceptedFrom: from})
	}
	label := map[string]string{} // statement id to UCDP event
	for _, ev := range goldenEventsOf(t, events, sites) {
		label[d.report("ucdp", ucdpReport(t, ev)).ID] = "ucdp:" + ev["id"]
	}
	incs := d.engine.Incidents()
	for _, inc := range incs {
		checkSitesBruteForce(t, &inc, sites)
	}
	checkGolden(t, "ucdp_2022.json", goldenOf(incs, label))
}

// checkSitesBruteForce reads the rules for one incident of the golden
// scenario without the index: every site, by haversine distance.
func checkSitesBruteForce(t *testing.T, inc *truce.Incident, sites []truce.Site) {
	t.Helper()
	p, reach := inc.Where.Position(), inc.Where.RadiusMetres+goldenBuffer
	type hit struct {
		id string
		d  float64
	}
	var want []hit
	for _, s := range sites {
		if d := haversine(p, s.Geometry.Point); d <= reach {
			want = append(want, hit{s.ID, d})
		}
	}
	if len(want) > 50 {
		t.Fatalf("incident %.8s: %d sites within reach; the scenario should stay under the cap", inc.ID, len(want))
	}
	got := map[string]truce.SiteFinding{}
	for _, f := range inc.Assessment.Sites {
		got[f.Site] = f
		if !slices.Equal(f.Clauses, []string{"ru:P1", "ua:P1"}) || f.Reach != reach {
			t.Errorf("incident %.8s, site %s: clauses %v, reach %v", inc.ID, f.Site, f.Clauses, f.Reach)
		}
	}
	// A site within 0.5% of the edge of reach may fall either side.
	edge := func(d float64) bool { return math.Abs(d-reach) <= 0.005*reach }
	for _, w := range want {
		f, ok := got[w.id]
		switch {
		case !ok && !edge(w.d):
			t.Errorf("incident %.8s: site %s at %.0f m of %v is missing", inc.ID, w.id, w.d, reach)
		case ok && math.Abs(f.Metres-w.d) > max(0.005*w.d, 1):
			t.Errorf("incident %.8s: site %s at %v m, brute force %.1f m", inc.ID, w.id, f.Metres, w.d)
		}
		delete(got, w.id)
	}
	for id, f := range got {
		if !edge(f.Metres) {
			t.Errorf("incident %.8s: site %s at %v m is beyond reach %v by brute force", inc.ID, id, f.Metres, reach)
		}
	}
}

func goldenOf(incs []truce.Incident, label map[string]string) []goldenIncident {
	out := make([]goldenIncident, len(incs))
	for i, inc := range incs {
		g := goldenIncident{Incident: label[inc.ID], Reports: []string{}, Grade: inc.Assessment.Grade, Sites: []string{}}
		for _, r := range inc.Reports {
			g.Reports = append(g.Reports, label[r.Statement])
		}
		for _, f := range inc.Assessment.Sites {
			g.Sites = append(g.Sites, f.Site)
		}
		out[i] = g
	}
	// Statement ids depend on keys and encodings; the file is ordered by
	// the UCDP event instead, so that it reads and diffs well.
	slices.SortFunc(out, func(a, b goldenIncident) int { return strings.Compare(a.Incident, b.Incident) })
	return out
}

// checkGolden compares incs with testdata/golden/name, one incident a
// line, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, incs []goldenIncident) {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, g := range incs {
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		if i < len(incs)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./engine/ -run Golden -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		gotLines, wantLines := strings.Split(buf.String(), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gotLines), len(wantLines)) {
			g, w := "", ""
			if i < len(gotLines) {
				g = gotLines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\ngot  %s\nwant %s\n(run with -update if the change is intended)", path, i+1, g, w)
			}
		}
	}
}
