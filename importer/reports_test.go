package importer_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// actors maps the UCDP actor names of the fixtures to parties.
var actors = map[string]string{
	"Government of Russia (Soviet Union)": "ru",
	"Government of Ukraine":               "ua",
}

func readReportsFile(t *testing.T, path, format string, opts importer.ReportOptions) *importer.ReportResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := importer.ReadReports(f, format, opts)
	if err != nil {
		t.Fatalf("ReadReports(%s, %s): %v", path, format, err)
	}
	checkReports(t, res)
	return res
}

func readReportsString(t *testing.T, in, format string, opts importer.ReportOptions) *importer.ReportResult {
	t.Helper()
	res, err := importer.ReadReports(strings.NewReader(in), format, opts)
	if err != nil {
		t.Fatalf("ReadReports(%s): %v", format, err)
	}
	checkReports(t, res)
	return res
}

// checkReports checks what holds for every result: valid reports with
// distinct client refs, and counts that add up.
func checkReports(t testing.TB, res *importer.ReportResult) {
	t.Helper()
	seen := map[string]bool{}
	for i := range res.Reports {
		r := &res.Reports[i]
		if err := r.Validate(); err != nil {
			t.Fatalf("report %s: %v", r.ClientRef, err)
		}
		if r.ClientRef != "" && seen[r.ClientRef] {
			t.Fatalf("report %s twice", r.ClientRef)
		}
		seen[r.ClientRef] = true
	}
	n := 0
	for _, c := range res.Reasons {
		n += c
	}
	if n != res.Skipped || len(res.Reports)+res.Skipped != res.Rows {
		t.Fatalf("%d reports + %d skipped != %d rows, reasons %v", len(res.Reports), res.Skipped, res.Rows, res.Reasons)
	}
}

// reportFail reads in and checks that it fails with EINVALID and a
// message holding want.
func reportFail(t *testing.T, in, format string, opts importer.ReportOptions, want string) {
	t.Helper()
	res, err := importer.ReadReports(strings.NewReader(in), format, opts)
	var te *truce.Error
	if !errors.As(err, &te) || te.Code != truce.EINVALID {
		t.Fatalf("err = %v (result %v), want EINVALID", err, res)
	}
	if res != nil {
		t.Fatalf("a result with an error")
	}
	if !strings.Contains(te.Message, want) {
		t.Fatalf("message %q does not hold %q", te.Message, want)
	}
}

func byRef(res *importer.ReportResult) map[string]truce.Report {
	m := map[string]truce.Report{}
	for _, r := range res.Reports {
		m[r.ClientRef] = r
	}
	return m
}

// wantReport is what a test checks of a report; zero fields are not
// checked, except that killed -1 means unknown.
type wantReport struct {
	ref            string
	start, end     string // RFC 3339
	timePrec       string
	placePrec      string
	radius         float64
	act            truce.Act
	killed         int
	countPrec      string
	accused        string // comma-separated
	place, uri     string
	textHas        string
	sourceName, id string
}

func checkReport(t *testing.T, got map[string]truce.Report, w wantReport) {
	t.Helper()
	r, ok := got[w.ref]
	if !ok {
		t.Fatalf("no report %s", w.ref)
	}
	eq := func(field string, got, want any) {
		t.Helper()
		if want != reflectZero(want) && got != want {
			t.Errorf("%s: %s = %v, want %v", w.ref, field, got, want)
		}
	}
	eq("when.start", r.When.Start.Format(time.RFC3339), w.start)
	eq("when.end", r.When.End.Format(time.RFC3339), w.end)
	eq("when.precision", r.When.Precision, w.timePrec)
	eq("where.precision", r.Where.Precision, w.placePrec)
	eq("where.radius_m", r.Where.RadiusMetres, w.radius)
	eq("act", r.Act, w.act)
	eq("casualties.precision", r.Casualties.Precision, w.countPrec)
	eq("accused", strings.Join(r.Accused, ","), w.accused)
	eq("where.place", r.Where.Place, w.place)
	switch {
	case w.killed == -1 && r.Casualties.Killed != nil:
		t.Errorf("%s: killed = %d, want unknown", w.ref, *r.Casualties.Killed)
	case w.killed > 0 && (r.Casualties.Killed == nil || *r.Casualties.Killed != w.killed):
		t.Errorf("%s: killed = %v, want %d", w.ref, r.Casualties.Killed, w.killed)
	}
	if w.textHas != "" && !strings.Contains(r.Text, w.textHas) {
		t.Errorf("%s: text %q does not hold %q", w.ref, r.Text, w.textHas)
	}
	if w.sourceName != "" || w.uri != "" || w.id != "" {
		if r.Source == nil {
			t.Fatalf("%s: no source", w.ref)
		}
		eq("source.name", r.Source.Name, w.sourceName)
		eq("source.id", r.Source.ID, w.id)
		eq("source.uri", r.Source.URI, w.uri)
	}
}

func reflectZero(v any) any {
	switch v.(type) {
	case string:
		return ""
	case float64:
		return 0.0
	case truce.Act:
		return truce.Act("")
	}
	return nil
}

func TestReportFormats(t *testing.T) {
	var names []string
	for _, f := range importer.ReportFormats() {
		names = append(names, f.Name)
		if f.Description == "" {
			t.Errorf("%s has no description", f.Name)
		}
	}
	if got := strings.Join(names, ","); got != "ucdp,acled,csv" {
		t.Fatalf("formats %s", got)
	}
}

func TestReportOptionErrors(t *testing.T) {
	const in = "id,start,lat,lon\n1,2025-03-18,50,30\n"
	from := time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		format string
		opts   importer.ReportOptions
		want   string
	}{
		"unknown format":   {"gdelt", importer.ReportOptions{}, `Unknown report format "gdelt"; want one of ucdp, acled, csv.`},
		"source kind":      {"csv", importer.ReportOptions{SourceKind: "rumour"}, `Source kind "rumour" is not one of`},
		"accused id":       {"csv", importer.ReportOptions{Accused: map[string]string{"Government of Ukraine": "UA"}}, `Accused for actor "Government of Ukraine"`},
		"actor twice":      {"csv", importer.ReportOptions{Accused: map[string]string{"A": "ua", " a": "ru"}}, `is mapped twice`},
		"until before":     {"csv", importer.ReportOptions{From: from, Until: from}, "Until (2025-03-18T00:00:00Z) must be after From"},
		"act mapping":      {"csv", importer.ReportOptions{Columns: importer.ReportColumns{Acts: map[string]truce.Act{"x": "bombing"}}}, `Act mapping "x"`},
		"missing column":   {"csv", importer.ReportOptions{Columns: importer.ReportColumns{Act: "weapon"}}, `line 1: the header has no column "weapon"`},
		"missing actor":    {"csv", importer.ReportOptions{Columns: importer.ReportColumns{Actors: []string{"actor1"}}}, `line 1: the header has no column "actor1"`},
		"ucdp header":      {"ucdp", importer.ReportOptions{}, "line 1: the header has no date_start_iso"},
		"acled header":     {"acled", importer.ReportOptions{}, `line 1: the header has no column "event_id_cnty"`},
		"csv without id":   {"csv", importer.ReportOptions{Columns: importer.ReportColumns{ID: "ref"}}, `line 1: the header has no column "ref"`},
		"csv without time": {"csv", importer.ReportOptions{Columns: importer.ReportColumns{Start: "when"}}, `line 1: the header has no column "when"`},
	} {
		t.Run(name, func(t *testing.T) { reportFail(t, in, c.format, c.opts, c.want) })
	}
	reportFail(t, "", "ucdp", importer.ReportOptions{}, "The file is empty")
}

func TestUCDPFixture(t *testing.T) {
	res := readReportsFile(t, "testdata/reports/ucdp_ged.csv", "ucdp", importer.ReportOptions{Accused: actors})
	if res.Rows != 26 || len(res.Reports) != 20 || res.Skipped != 6 {
		t.Fatalf("%d rows, %d reports, %d skipped: %v", res.Rows, len(res.Reports), res.Skipped, res.Reasons)
	}
	wantReasons := map[string]int{
		"date_prec 5: the dates span more than 31 days": 4, // 315741 (a year), 447229, 448455 (also where_prec 6), 449376
		"where_prec 6: only the country is known":       2, // 448252, 448448
	}
	if fmt.Sprint(res.Reasons) != fmt.Sprint(wantReasons) {
		t.Fatalf("reasons %v, want %v", res.Reasons, wantReasons)
	}
	got := byRef(res)
	for _, w := range []wantReport{
		// date_prec 1, where_prec 1; side_b Maidan is not mapped.
		{ref: "ucdp:147997", start: "2014-01-22T00:00:00Z", end: "2014-01-22T23:59:59Z", timePrec: "day", placePrec: "exact", radius: 1000,
			act: "other", killed: 5, countPrec: "exact", accused: "ua", place: "Kiev city, Kiev Special Republican city",
			sourceName: "UCDP GED", id: "147997", textHas: "Police disperse Kiev protest"},
		// where_prec 2, date_prec 4 over a whole month (30 days apart); low 0, best 1, high 1.
		{ref: "ucdp:418935", start: "2014-07-01T00:00:00Z", end: "2014-07-31T23:59:59Z", timePrec: "range", placePrec: "near", radius: 25000,
			killed: 1, countPrec: "estimate"},
		// where_prec 7: at sea.
		{ref: "ucdp:204785", placePrec: "region", radius: 300000, place: "sea outside Mariupol"},
		// date_prec 2 over two days; where_prec 1.
		{ref: "ucdp:446258", start: "2022-08-31T00:00:00Z", end: "2022-09-01T23:59:59Z", timePrec: "range", placePrec: "exact", radius: 1000, accused: "ru,ua"},
		// date_prec 3, where_prec 5; Government of Ukraine against DPR.
		{ref: "ucdp:450568", start: "2022-08-26T00:00:00Z", end: "2022-09-01T23:59:59Z", timePrec: "range", placePrec: "region", radius: 100000,
			killed: 18, countPrec: "estimate", accused: "ua", place: "DPR controlled territory, Donetsk oblast"},
		// date_prec 4, where_prec 4.
		{ref: "ucdp:449288", start: "2022-08-29T00:00:00Z", end: "2022-09-07T23:59:59Z", timePrec: "range", placePrec: "region", radius: 150000, killed: 10, countPrec: "estimate"},
		// where_prec 3; the headline says shelling.
		{ref: "ucdp:446403", timePrec: "day", placePrec: "district", radius: 50000, act: "shelling", place: "Chuhuiv raion, Kharkiv Oblast"},
		// where_prec 2.
		{ref: "ucdp:446265", placePrec: "near", radius: 25000},
		// Headlines that name one kind of attack.
		{ref: "ucdp:154074", act: "air_strike", killed: 50},
		{ref: "ucdp:154662", act: "missile_strike"},
		{ref: "ucdp:448643", act: "drone_strike"},
		{ref: "ucdp:465512", act: "drone_strike"},
		// "missiles kill" is not one of the phrases; "destroyed two drones"
		// is no drone strike; headlines naming several kinds are other.
		{ref: "ucdp:154661", act: "other"},
		{ref: "ucdp:448288", act: "other"},
		{ref: "ucdp:462257", act: "other"},
		{ref: "ucdp:463248", act: "other"},
		// The last event of the file, into March 2023.
		{ref: "ucdp:466791", start: "2023-02-28T00:00:00Z", end: "2023-03-01T23:59:59Z", timePrec: "range"},
	} {
		checkReport(t, got, w)
	}
	for _, r := range res.Reports {
		if r.SourceKind != truce.SourceOSINT || r.Damage.Level != "unknown" || r.Casualties.Injured != nil {
			t.Errorf("%s: source kind %s, damage %s, injured %v", r.ClientRef, r.SourceKind, r.Damage.Level, r.Casualties.Injured)
		}
	}
	// By default nobody is accused.
	for _, r := range readReportsFile(t, "testdata/reports/ucdp_ged.csv", "ucdp", importer.ReportOptions{}).Reports {
		if len(r.Accused) > 0 {
			t.Fatalf("%s accuses %v without a mapping", r.ClientRef, r.Accused)
		}
	}
}

// ucdpRow is a UCDP file of one row with the given dates, precisions and
// headline.
func ucdpRow(start, end, datePrec, wherePrec, headline string) string {
	return "id,date_start,date_end,date_prec,where_prec,latitude,longitude,best,low,high,side_a,side_b,source_headline,source_article\n" +
		fmt.Sprintf("1,%s,%s,%s,%s,48.5,37.5,2,1,3,A,B,%q,\n", start, end, datePrec, wherePrec, headline)
}

func TestUCDPPrecision(t *testing.T) {
	for _, c := range []struct {
		name                   string
		start, end, dp, wp     string
		wantStart, wantEnd, tp string
		pp                     string
		radius                 float64
		skip                   string
	}{
		{"exact day, exact place", "2022-03-01", "2022-03-01", "1", "1", "2022-03-01T00:00:00Z", "2022-03-01T23:59:59Z", "day", "exact", 1000, ""},
		{"UCDP's own date form", "2022-03-01 00:00:00.000", "2022-03-03 00:00:00.000", "2", "2", "2022-03-01T00:00:00Z", "2022-03-03T23:59:59Z", "range", "near", 25000, ""},
		{"week, district", "2022-03-01", "2022-03-07", "3", "3", "2022-03-01T00:00:00Z", "2022-03-07T23:59:59Z", "range", "district", 50000, ""},
		{"month, oblast", "2022-03-01", "2022-03-31", "4", "4", "2022-03-01T00:00:00Z", "2022-03-31T23:59:59Z", "range", "region", 150000, ""},
		{"longer within 31 days, along a line", "2022-02-01", "2022-03-03", "5", "5", "2022-02-01T00:00:00Z", "2022-03-03T23:59:59Z", "range", "region", 100000, ""},
		{"international waters", "2022-03-01", "2022-03-01", "1", "7", "", "", "day", "region", 300000, ""},
		{"32 days", "2022-03-01", "2022-04-01", "5", "1", "", "", "", "", 0, "date_prec 5: the dates span more than 31 days"},
		{"a year", "2018-01-01", "2018-12-31", "5", "2", "", "", "", "", 0, "date_prec 5: the dates span more than 31 days"},
		{"country", "2022-03-01", "2022-03-01", "1", "6", "", "", "", "", 0, "where_prec 6: only the country is known"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := readReportsString(t, ucdpRow(c.start, c.end, c.dp, c.wp, "x"), "ucdp", importer.ReportOptions{})
			if c.skip != "" {
				if len(res.Reports) != 0 || res.Reasons[c.skip] != 1 {
					t.Fatalf("reports %d, reasons %v", len(res.Reports), res.Reasons)
				}
				return
			}
			if len(res.Reports) != 1 {
				t.Fatalf("reasons %v", res.Reasons)
			}
			checkReport(t, byRef(res), wantReport{ref: "ucdp:1", start: c.wantStart, end: c.wantEnd, timePrec: c.tp,
				placePrec: c.pp, radius: c.radius, killed: 2, countPrec: "estimate"})
		})
	}
}

func TestUCDPActs(t *testing.T) {
	for headline, want := range map[string]truce.Act{
		"Two killed in a Drone-Attack on Odesa":                  truce.ActDroneStrike,
		"kamikaze drones hit Kyiv":                               truce.ActDroneStrike,
		"UAV strike on a village":                                truce.ActDroneStrike,
		"Missile strike kills three":                             truce.ActMissileStrike,
		"rebel missile attack; twenty dead":                      truce.ActMissileStrike,
		"Air strike on Snizhne":                                  truce.ActAirStrike,
		"airstrikes in Chernihiv oblast":                         truce.ActAirStrike,
		"Donetsk shelled overnight":                              truce.ActShelling,
		"Mortar fire near Avdiivka":                              truce.ActShelling,
		"Missile strike;Kharkiv shelled again":                   truce.ActOther, // two kinds
		"rocket attack on a house":                               truce.ActOther, // rockets are both
		"border guards destroyed 11 invaders and a UAV":          truce.ActOther,
		"soldier killed by sniper":                               truce.ActOther,
		"dronestrike":                                            truce.ActOther, // whole words only
		"Ukrainian anti-aircraft gunners shot down enemy drones": truce.ActOther,
	} {
		res := readReportsString(t, ucdpRow("2022-03-01", "2022-03-01", "1", "1", headline), "ucdp", importer.ReportOptions{})
		if got := res.Reports[0].Act; got != want {
			t.Errorf("%q: act %s, want %s", headline, got, want)
		}
	}
}

func TestUCDPSource(t *testing.T) {
	const head = "id,date_start_iso,date_end_iso,date_prec,where_prec,latitude,longitude,best,source_article,source_headline\n"
	in := head + `1,2022-03-01,2022-03-01,1,1,50,30,0,"""OHCHR,2019-03-12,https://www.ohchr.org/EN/Pages/UAReports.aspx"";""X,2019-03-13,http://b.example/2""",` + "\"a\x01b\r\nc\"\n" +
		"2,2022-03-01,2022-03-01,1,1,50,30,0,\"\"\"Reuters News,2022-03-01,Headline\"\"\"," + strings.Repeat("é", 5000) + "\n" +
		"3,2022-03-01,2022-03-01,1,1,50,30,0,İİİİ HTTP://a.example httpx https://b.example/İ?q=1).," + "\n"
	res := readReportsString(t, in, "ucdp", importer.ReportOptions{SourceName: "UCDP GED 23.1", IDPrefix: "ged:", SourceKind: truce.SourceCivilSociety})
	got := byRef(res)
	checkReport(t, got, wantReport{ref: "ged:1", sourceName: "UCDP GED 23.1", id: "1", uri: "https://www.ohchr.org/EN/Pages/UAReports.aspx", countPrec: "estimate"})
	if r := got["ged:1"]; r.Text != "a b\nc" || r.SourceKind != truce.SourceCivilSociety {
		t.Errorf("text %q, kind %s", r.Text, r.SourceKind)
	}
	checkReport(t, got, wantReport{ref: "ged:3", uri: "https://b.example/İ?q=1"})
	r := got["ged:2"]
	if r.Source.URI != "" || len(r.Text) > 8000 || !strings.HasSuffix(r.Text, "é…") {
		t.Errorf("uri %q, text of %d bytes ending %q", r.Source.URI, len(r.Text), r.Text[len(r.Text)-8:])
	}
}

func TestACLEDFixture(t *testing.T) {
	opts := importer.ReportOptions{Accused: map[string]string{"Military Forces of Russia (2000-)": "ru"}}
	res := readReportsFile(t, "testdata/reports/acled.csv", "acled", opts)
	if res.Rows != 13 || len(res.Reports) != 13 {
		t.Fatalf("%d rows, %d reports: %v", res.Rows, len(res.Reports), res.Reasons)
	}
	got := byRef(res)
	for _, w := range []wantReport{
		{ref: "acled:UKR9000001", start: "2025-03-18T00:00:00Z", end: "2025-03-18T23:59:59Z", timePrec: "day", placePrec: "exact", radius: 2000,
			act: "drone_strike", countPrec: "estimate", accused: "ru", place: "Sloviansk, Kramatorskyi, Donetsk",
			sourceName: "ACLED", id: "UKR9000001", textHas: "Sources (per ACLED): Fictional Daily"},
		// time_precision 2: three days either side; "19 March 2025".
		{ref: "acled:UKR9000002", start: "2025-03-16T00:00:00Z", end: "2025-03-22T23:59:59Z", timePrec: "range", placePrec: "near", radius: 25000,
			act: "shelling", killed: 1, place: "Kherson, Khersonskyi"},
		// time_precision 3: the month; geo_precision 3; no fatalities given.
		{ref: "acled:UKR9000003", start: "2025-03-01T00:00:00Z", end: "2025-03-31T23:59:59Z", timePrec: "range", placePrec: "region", radius: 100000,
			act: "missile_strike", killed: -1, countPrec: "unknown"},
		{ref: "acled:UKR9000004", act: "air_strike", killed: 2},
		{ref: "acled:UKR9000005", act: "sabotage", accused: ""},
		{ref: "acled:UKR9000006", act: "other", killed: 3, accused: "ru"},
		{ref: "acled:UKR9000007", act: "other"},
		{ref: "acled:UKR9000008", act: "other"},
		{ref: "acled:UKR9000009", start: "2025-04-05T00:00:00Z", act: "drone_strike", textHas: `"several"`},
		// A week across the end of the month.
		{ref: "acled:UKR9000010", start: "2025-03-27T00:00:00Z", end: "2025-04-02T23:59:59Z", act: "shelling"},
		// February of a leap year.
		{ref: "acled:UKR9000011", start: "2024-02-01T00:00:00Z", end: "2024-02-29T23:59:59Z", act: "missile_strike"},
		{ref: "acled:RUS9000012", act: "drone_strike", place: "Belgorod, Belgorodskiy"},
		{ref: "acled:UKR9000013", act: "other"},
	} {
		checkReport(t, got, w)
	}
}

func TestReportCSV(t *testing.T) {
	opts := importer.ReportOptions{Columns: importer.ReportColumns{Acts: map[string]truce.Act{"MISSILE STRIKE": "missile_strike"}}}
	res := readReportsFile(t, "testdata/reports/generic.csv", "csv", opts)
	got := byRef(res)
	for _, w := range []wantReport{
		{ref: "r-001", start: "2025-03-18T04:20:00Z", end: "2025-03-18T04:20:00Z", timePrec: "minute", placePrec: "exact", radius: 500,
			act: "drone_strike", countPrec: "estimate", accused: "ru", place: "Zaporizhzhia NPP switchyard",
			sourceName: "Fictional monitor", id: "r-001", uri: "https://example.org/r-001"},
		// A date; a precision without a radius takes its nominal radius.
		{ref: "r-002", start: "2025-03-19T00:00:00Z", end: "2025-03-19T23:59:59Z", timePrec: "day", placePrec: "near", radius: 25000,
			act: "shelling", killed: -1, countPrec: "unknown", textHas: `"badly"`},
		// Local times; a radius without a precision gives one.
		{ref: "r-003", start: "2025-03-20T22:00:00Z", end: "2025-03-21T02:00:00Z", timePrec: "range", placePrec: "district", radius: 30000,
			act: "missile_strike", accused: "ua,ru"},
		// Dates over three days; nothing else.
		{ref: "r-004", start: "2025-03-22T00:00:00Z", end: "2025-03-24T23:59:59Z", timePrec: "range", placePrec: "exact", act: "other", killed: 1},
	} {
		checkReport(t, got, w)
	}
	r1, r4 := got["r-001"], got["r-004"]
	if r1.Damage.Level != "moderate" || *r1.Casualties.Injured != 2 || r1.Target.Text != "750 kV switchyard" || r4.Damage.Level != "unknown" || r4.Source != nil {
		t.Errorf("r-001 %+v, r-004 %+v", r1, r4)
	}
	// Without the mapping, "Missile strike" is an error naming its line.
	data, _ := os.ReadFile("testdata/reports/generic.csv")
	reportFail(t, string(data), "csv", importer.ReportOptions{}, `line 4: act "Missile strike" is not one of`)
}

func TestReportCSVMapping(t *testing.T) {
	const in = "ref,when,until,y,x,km,weapon,side1,side2,what,dead\n" +
		"7,2025-03-18 06:00,2025-03-18 07:00,47.5,34.6,,Air/drone strike,Military Forces of Russia (2000-),Civilians (Ukraine),damage to a line,3\n"
	opts := importer.ReportOptions{
		SourceKind: truce.SourceMediator,
		IDPrefix:   "mediator-list:",
		SourceName: "Mediator's list",
		TimeZone:   time.FixedZone("EET", 2*60*60),
		AccusedFunc: func(actor string) string {
			if strings.Contains(actor, "Russia") {
				return "ru"
			}
			return ""
		},
		Columns: importer.ReportColumns{ID: "ref", Start: "when", End: "until", Lat: "y", Lon: "x", Act: "weapon",
			Actors: []string{"side1", "side2"}, Text: "what", Killed: "dead",
			Acts: map[string]truce.Act{"air/drone strike": "drone_strike"}},
	}
	got := byRef(readReportsString(t, in, "csv", opts))
	checkReport(t, got, wantReport{ref: "mediator-list:7", start: "2025-03-18T04:00:00Z", end: "2025-03-18T05:00:00Z", timePrec: "range",
		act: "drone_strike", accused: "ru", killed: 3, sourceName: "Mediator's list", id: "7", textHas: "damage to a line"})
	if r := got["mediator-list:7"]; r.SourceKind != truce.SourceMediator {
		t.Fatalf("source kind %s", r.SourceKind)
	}
}

func TestReportTimeZone(t *testing.T) {
	kyiv := time.FixedZone("EET", 2*60*60)
	res := readReportsString(t, ucdpRow("2022-03-01", "2022-03-01", "1", "1", "x"), "ucdp", importer.ReportOptions{TimeZone: kyiv})
	checkReport(t, byRef(res), wantReport{ref: "ucdp:1", start: "2022-02-28T22:00:00Z", end: "2022-03-01T21:59:59Z", timePrec: "day"})
}

func TestReportFilter(t *testing.T) {
	from := time.Date(2022, 2, 24, 0, 0, 0, 0, time.UTC)
	until := time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)
	res := readReportsFile(t, "testdata/reports/ucdp_ged.csv", "ucdp", importer.ReportOptions{From: from, Until: until})
	want := map[string]int{
		"ends before 2022-02-24T00:00:00Z":              7,
		"starts at or after 2023-02-01T00:00:00Z":       4,
		"date_prec 5: the dates span more than 31 days": 3,
		"where_prec 6: only the country is known":       2,
	}
	if fmt.Sprint(res.Reasons) != fmt.Sprint(want) || len(res.Reports) != 10 {
		t.Fatalf("%d reports, reasons %v", len(res.Reports), res.Reasons)
	}
	for _, r := range res.Reports {
		if r.When.End.Before(from) || !r.When.Start.Before(until) {
			t.Errorf("%s at %s..%s", r.ClientRef, r.When.Start, r.When.End)
		}
	}
}

func TestReportBadRows(t *testing.T) {
	ucdp := func(row string) string {
		return "id,date_start_iso,date_end_iso,date_prec,where_prec,latitude,longitude,best,low,high,side_a\n" +
			"1,2022-03-01,2022-03-01,1,1,50,30,1,1,1,A\n" + row + "\n"
	}
	acled := func(row string) string {
		return "event_id_cnty,event_date,time_precision,geo_precision,latitude,longitude,sub_event_type,fatalities,notes\n" +
			"UKR1,2025-03-18,1,1,50,30,Attack,0,ok\n" + row + "\n"
	}
	csv := func(row string) string {
		return "id,start,end,lat,lon,radius_m,time_precision,place_precision,act,damage,killed,accused,casualties_precision\n" +
			"a,2025-03-18,,50,30,,,,,,,,\n" + row + "\n"
	}
	for _, c := range []struct{ name, format, in, want string }{
		{"ucdp empty id", "ucdp", ucdp(",2022-03-01,2022-03-01,1,1,50,30,1,1,1,A"), "line 3: id is empty."},
		{"ucdp same id", "ucdp", ucdp("1,2022-03-02,2022-03-02,1,1,50,30,1,1,1,A"), "line 3: id ucdp:1 is already used on line 2."},
		{"ucdp bad id", "ucdp", ucdp("1 2,2022-03-02,2022-03-02,1,1,50,30,1,1,1,A"), `line 3: Report field client_ref "ucdp:1 2" must be`},
		{"ucdp date", "ucdp", ucdp("2,01/03/2022,2022-03-01,1,1,50,30,1,1,1,A"), `line 3: date_start_iso "01/03/2022" is not a date`},
		{"ucdp reversed", "ucdp", ucdp("2,2022-03-02,2022-03-01,2,1,50,30,1,1,1,A"), "line 3: date_end_iso 2022-03-01 is before date_start_iso 2022-03-02."},
		{"ucdp date_prec", "ucdp", ucdp("2,2022-03-01,2022-03-01,6,1,50,30,1,1,1,A"), `line 3: date_prec "6" is not a code from 1 to 5.`},
		{"ucdp where_prec", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,0,50,30,1,1,1,A"), `line 3: where_prec "0" is not a code from 1 to 7.`},
		{"ucdp latitude", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,1,91,30,1,1,1,A"), "line 3: latitude 91 is outside [-90, 90]."},
		{"ucdp NaN", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,1,50,NaN,1,1,1,A"), `line 3: longitude "NaN" is not a finite number.`},
		{"ucdp best", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,1,50,30,-1,1,1,A"), `line 3: best "-1" is not a count`},
		{"ucdp no best", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,1,50,30,,1,1,A"), "line 3: best is empty."},
		{"ucdp high", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,1,50,30,1,1,many,A"), `line 3: high "many" is not a count`},
		{"ucdp year", "ucdp", ucdp("2,1800-03-01,1800-03-01,1,1,50,30,1,1,1,A"), "line 3: Report field when is outside the years 1900 to 9999."},
		{"ucdp skipped rows are checked", "ucdp", ucdp("2,2022-03-01,2022-03-01,1,6,50,300,1,1,1,A"), "line 3: longitude 300 is outside"},
		{"ucdp long rows are checked", "ucdp", ucdp("2 x,2018-01-01,2018-12-31,5,1,50,30,1,1,1,A"), `line 3: Report field client_ref "ucdp:2 x" must be`},
		{"ucdp quotes", "ucdp", ucdp(`2,"2022-03-01,2022-03-01,1,1,50,30,1,1,1,A`), "line 3: extraneous or missing \" in quoted-field."},
		{"acled date", "acled", acled("UKR2,18/03/2025,1,1,50,30,Attack,0,x"), `line 3: event_date "18/03/2025" is not a date`},
		{"acled time_precision", "acled", acled("UKR2,2025-03-18,4,1,50,30,Attack,0,x"), `line 3: time_precision "4" is not a code from 1 to 3.`},
		{"acled geo_precision", "acled", acled("UKR2,2025-03-18,1,,50,30,Attack,0,x"), `line 3: geo_precision "" is not a code from 1 to 3.`},
		{"acled fatalities", "acled", acled("UKR2,2025-03-18,1,1,50,30,Attack,2.5,x"), `line 3: fatalities "2.5" is not a count`},
		{"acled same id", "acled", acled("UKR1,2025-03-18,1,1,50,30,Attack,0,x"), "line 3: id acled:UKR1 is already used on line 2."},
		{"acled empty id", "acled", acled(",2025-03-18,1,1,50,30,Attack,0,x"), "line 3: event_id_cnty is empty."},
		{"csv time", "csv", csv("b,18.03.2025,,50,30,,,,,,,,"), `line 3: start "18.03.2025" is not a time`},
		{"csv end before start", "csv", csv("b,2025-03-18,2025-03-17,50,30,,,,,,,,"), "line 3: Report field when.end (2025-03-17T23:59:59Z) is before when.start"},
		{"csv longer than 31 days", "csv", csv("b,2025-03-01,2025-04-01,50,30,,,,,,,,"), "line 3: Report field when spans more than 31 days"},
		{"csv time precision", "csv", csv("b,2025-03-18,,50,30,,second,,,,,,"), `line 3: Report field when.precision "second" is not one of`},
		{"csv radius", "csv", csv("b,2025-03-18,,50,30,-5,,,,,,,"), `line 3: radius_m "-5" is not a radius`},
		{"csv place precision", "csv", csv("b,2025-03-18,,50,30,,,city,,,,,"), `line 3: Report field where.precision "city" is not one of`},
		{"csv act", "csv", csv("b,2025-03-18,,50,30,,,,bombing,,,,"), `line 3: act "bombing" is not one of`},
		{"csv damage", "csv", csv("b,2025-03-18,,50,30,,,,,total,,,"), `line 3: Report field damage.level "total" is not one of`},
		{"csv killed", "csv", csv("b,2025-03-18,,50,30,,,,,,1e3,,"), `line 3: killed "1e3" is not a count`},
		{"csv accused", "csv", csv("b,2025-03-18,,50,30,,,,,,,Russia,"), `line 3: Report field accused: Member id "Russia" must be`},
		{"csv count precision", "csv", csv("b,2025-03-18,,50,30,,,,,,,,roughly"), `line 3: Report field casualties.precision "roughly" is not one of`},
		{"csv no coordinates", "csv", csv("b,2025-03-18,,,30,,,,,,,,"), "line 3: lat is empty."},
	} {
		t.Run(c.name, func(t *testing.T) { reportFail(t, c.in, c.format, importer.ReportOptions{}, c.want) })
	}
	reportFail(t, "id,start,lat,lon,url\nb,2025-03-18,50,30,not a uri\n", "csv", importer.ReportOptions{},
		`line 2: url "not a uri" is not an absolute URI`)
	// A mapping function that returns a bad member id names the line.
	bad := importer.ReportOptions{AccusedFunc: func(string) string { return "Russia" }}
	reportFail(t, ucdp("2,2022-03-01,2022-03-01,1,1,50,30,1,1,1,B"), "ucdp", bad, `line 2: actor "A": Member id "Russia" must be`)
}

func ExampleReadReports() {
	// Rows of the UCDP Georeferenced Event Dataset (CC BY 4.0), with
	// fewer columns and shorter headlines.
	const ged = `id,date_start_iso,date_end_iso,date_prec,where_prec,latitude,longitude,side_a,side_b,best,low,high,source_headline
448643,2022-09-23,2022-09-23,1,1,46.466667,30.733333,Government of Russia (Soviet Union),Government of Ukraine,1,1,1,The invaders attacked Odessa with three kamikaze drones
448252,2022-09-01,2022-09-01,1,6,49,32,Government of Russia (Soviet Union),Government of Ukraine,7,7,7,Losses of Russia in the war with Ukraine
`
	res, err := importer.ReadReports(strings.NewReader(ged), "ucdp", importer.ReportOptions{
		// An explicit choice: UCDP's sides are not directional.
		Accused: map[string]string{"Government of Russia (Soviet Union)": "ru"},
	})
	if err != nil {
		fmt.Println(truce.ErrorMessage(err))
		return
	}
	for _, r := range res.Reports {
		fmt.Println(r.ClientRef, r.Act, r.When.Precision, r.Where.Precision, r.Where.RadiusMetres, r.Accused, *r.Casualties.Killed, r.Casualties.Precision)
	}
	fmt.Println(strings.Join(res.Summary(), "\n"))
	// Output:
	// ucdp:448643 drone_strike day exact 1000 [ru] 1 exact
	// 1 skipped: where_prec 6: only the country is known
}
