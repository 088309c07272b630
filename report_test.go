package truce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// goodReport is a report every case below breaks in one way.
func goodReport() truce.Report {
	killed := 0
	return truce.Report{
		ClientRef:  "ua-gs-017",
		When:       truce.When{Start: t0, End: t0.Add(time.Hour), Precision: "range"},
		Where:      truce.Where{Lat: 47.5125, Lon: 34.59, RadiusMetres: 300, Precision: "exact", Place: "Enerhodar", Admin: []string{"UA-23"}},
		Act:        truce.ActDroneStrike,
		Target:     truce.Target{Text: "pumping station"},
		Accused:    []string{"russia"},
		Damage:     truce.Damage{Level: "moderate"},
		Casualties: truce.Casualties{Killed: &killed, Precision: "exact"},
		Evidence:   []truce.Evidence{{SHA256: strings.Repeat("ab", 32), MediaType: "image/jpeg"}},
		SourceKind: truce.SourceParty,
		Text:       "Drone hit the pumping station.",
	}
}

func TestReportValidate(t *testing.T) {
	negative, huge := -1, 2000000
	tests := []struct {
		name   string
		change func(*truce.Report)
		field  string // "" for a valid report
	}{
		{"valid", func(*truce.Report) {}, ""},
		{"end before start", func(r *truce.Report) { r.When.End = r.When.Start.Add(-time.Minute) }, "when.end"},
		{"span over a month", func(r *truce.Report) { r.When.End = r.When.Start.Add(40 * 24 * time.Hour) }, "31 days"},
		{"no start", func(r *truce.Report) { r.When.Start = time.Time{} }, "when.start"},
		{"unknown time precision", func(r *truce.Report) { r.When.Precision = "second" }, "when.precision"},
		{"negative radius", func(r *truce.Report) { r.Where.RadiusMetres = -5 }, "where.radius_m"},
		{"radius larger than the country", func(r *truce.Report) { r.Where.RadiusMetres = 2e6 }, "where.radius_m"},
		{"latitude out of range", func(r *truce.Report) { r.Where.Lat = 91 }, "Latitude"},
		{"unknown place precision", func(r *truce.Report) { r.Where.Precision = "somewhere" }, "where.precision"},
		{"unknown act", func(r *truce.Report) { r.Act = "cyberattack" }, "act"},
		{"accused twice", func(r *truce.Report) { r.Accused = []string{"russia", "russia"} }, "accused"},
		{"unknown damage level", func(r *truce.Report) { r.Damage.Level = "total" }, "damage.level"},
		{"negative casualties", func(r *truce.Report) { r.Casualties.Killed = &negative }, "casualties"},
		{"absurd casualties", func(r *truce.Report) { r.Casualties.Injured = &huge }, "casualties"},
		{"evidence without a valid sha256", func(r *truce.Report) { r.Evidence[0].SHA256 = "abc" }, "sha256"},
		{"evidence with an upper-case sha256", func(r *truce.Report) { r.Evidence[0].SHA256 = strings.Repeat("AB", 32) }, "sha256"},
		{"evidence without a media type", func(r *truce.Report) { r.Evidence[0].MediaType = "jpeg" }, "media_type"},
		{"bad client_ref", func(r *truce.Report) { r.ClientRef = "has space" }, "client_ref"},
		{"site id with a slash", func(r *truce.Report) { r.Target.Sites = []string{"osm/1"} }, "target.sites"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodReport()
			tt.change(&r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if truce.ErrorCode(err) != truce.EINVALID || !strings.Contains(truce.ErrorMessage(err), tt.field) {
				t.Fatalf("Validate = %v, want EINVALID naming %q", err, tt.field)
			}
			checkMessage(t, err)
		})
	}
}

// TestReportRules runs reports and retractions through State against a
// chartered log with a registry of one site.
func TestReportRules(t *testing.T) {
	f := newFixture(t)
	s := truce.NewState(origin)
	apply := func(raw []byte) error {
		t.Helper()
		st := parse(t, raw)
		if err := s.Check(st); err != nil {
			return err
		}
		s.Apply(st, uint64(s.Reports.Len()+1000))
		return nil
	}
	if err := apply(sign(t, f.us, truce.KindCharter, t0, f.charter())); err != nil {
		t.Fatal(err)
	}
	site := truce.Site{ID: "gppd:WRI1005114", Name: "Zaporozhye", Category: "energy.generation.nuclear",
		Geometry: truce.NewPoint(34.5863, 47.5119), Controller: "ukraine"}
	if err := apply(sign(t, f.ukraine, truce.KindSiteDeclare, t0, truce.SiteDeclare{Site: site})); err != nil {
		t.Fatal(err)
	}
	report := func(by *truce.Signer, change func(*truce.Report)) []byte {
		r := goodReport()
		r.ClientRef = ""
		change(&r)
		return sign(t, by, truce.KindReport, t0, r)
	}
	first := report(f.ukraine, func(r *truce.Report) { r.ClientRef = "ua-1"; r.Target.Sites = []string{site.ID} })
	tests := []struct {
		name string
		raw  []byte
		code string
		msg  string
	}{
		{"a party reports", first, "", ""},
		{"the same client_ref again", report(f.ukraine, func(r *truce.Report) { r.ClientRef = "ua-1"; r.Text = "again" }), truce.ECONFLICT, "already used"},
		{"another member may use the same client_ref", report(f.russia, func(r *truce.Report) { r.ClientRef = "ua-1" }), "", ""},
		{"a party posing as a monitor", report(f.ukraine, func(r *truce.Report) { r.SourceKind = truce.SourceMonitor }), truce.EFORBIDDEN, "source_kind"},
		{"a monitor reports", report(f.smm, func(r *truce.Report) { r.SourceKind = truce.SourceMonitor; r.Accused = nil }), "", ""},
		{"a source reports open-source findings", report(f.osint, func(r *truce.Report) { r.SourceKind = truce.SourceOSINT }), "", ""},
		{"accusing a member that is not a party", report(f.ukraine, func(r *truce.Report) { r.Accused = []string{"us"} }), truce.EINVALID, "not a party"},
		{"naming a site not in the registry", report(f.ukraine, func(r *truce.Report) { r.Target.Sites = []string{"gppd:nope"} }), truce.EINVALID, "not in the registry"},
		{"retraction of someone else's report", sign(t, f.russia, truce.KindReportRetract, t0, truce.ReportRetract{Report: parse(t, first).ID, Reason: "Not ours."}), truce.EFORBIDDEN, "Only"},
		{"retraction of an unknown report", sign(t, f.ukraine, truce.KindReportRetract, t0, truce.ReportRetract{Report: strings.Repeat("0", 64), Reason: "Gone."}), truce.ENOTFOUND, "not in the log"},
		{"retraction by the reporter", sign(t, f.ukraine, truce.KindReportRetract, t0, truce.ReportRetract{Report: parse(t, first).ID, Reason: "Misidentified."}), "", ""},
		{"retraction twice", sign(t, f.ukraine, truce.KindReportRetract, t0.Add(time.Minute), truce.ReportRetract{Report: parse(t, first).ID, Reason: "Again."}), truce.ECONFLICT, "already retracted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := apply(tt.raw)
			if truce.ErrorCode(err) != tt.code || (err != nil && !strings.Contains(truce.ErrorMessage(err), tt.msg)) {
				t.Fatalf("Check = %v, want code %q with %q", err, tt.code, tt.msg)
			}
		})
	}
	if r := s.Reports.Report(parse(t, first).ID); r == nil || !r.Retracted || r.Signer != "ukraine" {
		t.Errorf("first report's state = %+v", r)
	}
	restored := truce.RestoreReports([]truce.ReportState{*s.Reports.Report(parse(t, first).ID)})
	if restored.Report(parse(t, first).ID) == nil {
		t.Error("RestoreReports lost the report")
	}
}

func FuzzDecodeReport(f *testing.F) {
	f.Add([]byte(`{"when":{"start":"2025-03-20T03:10:00Z","end":"2025-03-20T03:10:00Z","precision":"minute"},` +
		`"where":{"lat":47.5,"lon":34.6,"radius_m":300,"precision":"exact"},"act":"drone_strike","target":{},` +
		`"damage":{"level":"unknown"},"casualties":{"precision":"unknown"},"source_kind":"party"}`))
	f.Add([]byte(`{"where":{"lat":1e999}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := truce.DecodeReport(data)
		if err != nil {
			checkCoded(t, "DecodeReport", err)
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("a decoded report fails Validate: %v", err)
		}
	})
}
