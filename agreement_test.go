package truce_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// strikes are the acts the energy clauses prohibit.
var strikes = []truce.Act{truce.ActDroneStrike, truce.ActMissileStrike, truce.ActAirStrike, truce.ActShelling, truce.ActSabotage}

// agreementV1 is version 1 of the energy moratorium as in
// cmd/truce/demo/energy-moratorium-v1.yaml.
func agreementV1() truce.Agreement {
	from := time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
	until := time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC)
	return truce.Agreement{
		ID: "energy-moratorium", Version: 1,
		Title:    "Moratorium on strikes against energy infrastructure",
		Parties:  []string{"ua", "ru"},
		Mediator: "us",
		Window:   truce.Window{From: from, Until: &until, Extendable: true},
		Clauses: []truce.Clause{
			{ID: "E1", Title: "Oil refineries", Text: "The Parties refrain from strikes against oil refineries.",
				Protects: []truce.Category{"energy.oil.refinery"}, Prohibits: strikes,
				Buffers: []truce.Buffer{{Category: "energy.oil.refinery", Metres: 1000}}},
			{ID: "E2", Title: "Oil and gas pipelines and storage", Text: "The Parties refrain from strikes against oil and gas pipelines and storage facilities, including pumping stations.",
				Protects: []truce.Category{"energy.oil.pipeline", "energy.oil.storage", "energy.oil.pumping", "energy.gas"}, Prohibits: strikes,
				Buffers: []truce.Buffer{{Category: "energy.gas.metering", Metres: 500}, {Category: "energy.oil.pumping", Metres: 500}}},
			{ID: "E3", Title: "Power generation and transmission", Text: "The Parties refrain from strikes against electricity generation and transmission infrastructure, including power plants, substations, transformers and distributors.",
				Protects: []truce.Category{"energy.generation", "energy.transmission"}, Prohibits: strikes,
				Buffers: []truce.Buffer{{Category: "energy.generation.thermal", Metres: 1000}, {Category: "energy.generation.solar", Metres: 500}, {Category: "energy.transmission.substation", Metres: 500}}},
			{ID: "E4", Title: "Nuclear power plants", Text: "The Parties refrain from strikes against nuclear power plants.",
				Protects: []truce.Category{"energy.generation.nuclear"}, Prohibits: strikes,
				Buffers: []truce.Buffer{{Category: "energy.generation.nuclear", Metres: 3000}}},
			{ID: "E5", Title: "Hydroelectric dams", Text: "The Parties refrain from strikes against hydroelectric power plants and their dams.",
				Protects: []truce.Category{"energy.generation.hydro"}, Prohibits: strikes,
				Buffers: []truce.Buffer{{Category: "energy.generation.hydro", Metres: 1500}}},
		},
		Corroboration: truce.Corroboration{Window: truce.Duration(6 * time.Hour), Metres: 5000},
		ReplyDeadline: truce.Duration(72 * time.Hour),
		Publication:   truce.Publication{Incidents: "determined", CoarsenMetres: 5000, RestrictedSiteFields: []string{"operator"}},
	}
}

// agreementV2 is version 2, as in energy-moratorium-v2.yaml: it
// supersedes version 1, starts on 25 March and adds the Black Sea clause
// M1 with its zone.
func agreementV2() truce.Agreement {
	a := agreementV1()
	a.Version, a.Supersedes = 2, 1
	a.Window.From = time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)
	a.Clauses = append(a.Clauses, truce.Clause{
		ID: "M1", Title: "Black Sea",
		Text:      "The Parties ensure safe navigation in the Black Sea, eliminate the use of force there, and prevent the use of commercial vessels for military purposes.",
		Protects:  []truce.Category{"maritime"},
		Prohibits: []truce.Act{truce.ActForceAtSea, truce.ActDroneStrike, truce.ActMissileStrike, truce.ActAirStrike},
		Zone:      blackSea(),
	})
	return a
}

// blackSea is the coarse outline of the Black Sea of the demo files.
func blackSea() *truce.Geometry {
	return &truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{{
		{28.0, 41.6}, {29.1, 41.2}, {31.2, 41.1}, {33.3, 42.0}, {35.2, 42.0},
		{36.9, 41.3}, {38.3, 40.9}, {40.0, 41.0}, {41.6, 41.5}, {41.6, 42.6},
		{40.0, 43.4}, {38.6, 44.4}, {37.3, 44.9}, {36.5, 45.2}, {35.4, 45.0},
		{34.0, 44.4}, {33.4, 44.5}, {32.5, 45.4}, {33.5, 46.0}, {31.5, 46.6},
		{30.7, 46.5}, {29.7, 45.6}, {28.7, 44.3}, {27.9, 43.2}, {28.0, 41.6},
	}}}}
}

func TestAgreementValidate(t *testing.T) {
	for _, a := range []truce.Agreement{agreementV1(), agreementV2()} {
		if err := a.Validate(); err != nil {
			t.Fatalf("version %d: %v", a.Version, err)
		}
	}
	nan, inf := math.NaN(), math.Inf(1)
	before := time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC)
	at := func(s string) time.Time { return mustTime(t, s) }
	ring := func(ps ...truce.Position) *truce.Geometry {
		return &truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{ps}}}
	}
	tests := []struct {
		name   string
		edit   func(a *truce.Agreement)
		fields []string // words the message must contain
	}{
		{"bad id", func(a *truce.Agreement) { a.ID = "Energy Moratorium" }, []string{"id"}},
		{"version 0", func(a *truce.Agreement) { a.Version = 0 }, []string{"version"}},
		{"supersedes itself", func(a *truce.Agreement) { a.Supersedes = 2 }, []string{"supersedes"}},
		{"no title", func(a *truce.Agreement) { a.Title = " " }, []string{"title"}},
		{"no parties", func(a *truce.Agreement) { a.Parties = nil }, []string{"parties"}},
		{"party twice", func(a *truce.Agreement) { a.Parties = []string{"ua", "ua"} }, []string{"parties", "twice"}},
		{"bad party id", func(a *truce.Agreement) { a.Parties = []string{"UA"} }, []string{"parties"}},
		{"bad mediator id", func(a *truce.Agreement) { a.Mediator = "U S" }, []string{"mediator"}},
		{"no window", func(a *truce.Agreement) { a.Window.From = time.Time{} }, []string{"window.from"}},
		{"window ends before it starts", func(a *truce.Agreement) { a.Window.Until = &before }, []string{"window.until", "window.from"}},
		{"window ends as it starts", func(a *truce.Agreement) { u := a.Window.From; a.Window.Until = &u }, []string{"window.until"}},
		{"window after year 9999 in UTC", func(a *truce.Agreement) { a.Window.From, a.Window.Until = at("9999-12-31T23:30:00-01:00"), nil }, []string{"window.from"}},
		{"window before year 0 in UTC", func(a *truce.Agreement) { a.Window.From = at("0000-01-01T00:30:00+01:00") }, []string{"window.from"}},
		{"no clauses", func(a *truce.Agreement) { a.Clauses = nil }, []string{"clauses"}},
		{"clause id used twice", func(a *truce.Agreement) { a.Clauses[1].ID = "E1" }, []string{"clauses", `"E1"`, "twice"}},
		{"bad clause id", func(a *truce.Agreement) { a.Clauses[0].ID = "E 1" }, []string{"clauses", "id"}},
		{"clause without text", func(a *truce.Agreement) { a.Clauses[0].Text = "" }, []string{"clause E1", "text"}},
		{"clause text with a control character", func(a *truce.Agreement) { a.Clauses[0].Text = "a\x00b" }, []string{"clause E1", "text"}},
		{"unknown category", func(a *truce.Agreement) { a.Clauses[2].Protects = []truce.Category{"energy.coal"} }, []string{"clause E3", "protects", `"energy.coal"`}},
		{"category with a trailing dot", func(a *truce.Agreement) { a.Clauses[2].Protects = []truce.Category{"energy."} }, []string{"clause E3", "protects"}},
		{"no category", func(a *truce.Agreement) { a.Clauses[2].Protects = nil }, []string{"clause E3", "protects"}},
		{"unknown act", func(a *truce.Agreement) { a.Clauses[0].Prohibits = []truce.Act{"cyber_attack"} }, []string{"clause E1", "prohibits", `"cyber_attack"`}},
		{"no act", func(a *truce.Agreement) { a.Clauses[0].Prohibits = nil }, []string{"clause E1", "prohibits"}},
		{"buffer of an unknown category", func(a *truce.Agreement) { a.Clauses[0].Buffers[0].Category = "energy.coal" }, []string{"clause E1", "buffers"}},
		{"negative buffer", func(a *truce.Agreement) { a.Clauses[0].Buffers[0].Metres = -1 }, []string{"clause E1", "buffer"}},
		{"NaN buffer", func(a *truce.Agreement) { a.Clauses[0].Buffers[0].Metres = nan }, []string{"clause E1", "buffer"}},
		{"buffer twice", func(a *truce.Agreement) { a.Clauses[1].Buffers[1].Category = "energy.gas.metering" }, []string{"clause E2", "twice"}},
		{"zone a point", func(a *truce.Agreement) { p := truce.NewPoint(31, 46); a.Clauses[5].Zone = &p }, []string{"clause M1", "zone", "Polygon", "Point"}},
		{"zone a line", func(a *truce.Agreement) {
			a.Clauses[5].Zone = &truce.Geometry{Type: "LineString", Lines: [][]truce.Position{{{30, 45}, {31, 46}}}}
		}, []string{"clause M1", "zone", "LineString"}},
		{"zone with an open ring", func(a *truce.Agreement) {
			a.Clauses[5].Zone = ring(truce.Position{30, 44}, truce.Position{32, 44}, truce.Position{32, 46}, truce.Position{30, 46})
		}, []string{"clause M1", "zone", "closed"}},
		{"zone with a bow tie", func(a *truce.Agreement) {
			a.Clauses[5].Zone = ring(truce.Position{30, 44}, truce.Position{32, 46}, truce.Position{32, 44}, truce.Position{30, 46}, truce.Position{30, 44})
		}, []string{"clause M1", "zone", "intersects itself"}},
		{"zone longitude out of range", func(a *truce.Agreement) { a.Clauses[5].Zone.Polygons[0][0][3][0] = 181 }, []string{"clause M1", "zone", "Longitude 181"}},
		{"zone latitude out of range", func(a *truce.Agreement) { a.Clauses[5].Zone.Polygons[0][0][3][1] = -90.5 }, []string{"clause M1", "zone", "Latitude -90.5"}},
		{"zone NaN", func(a *truce.Agreement) { a.Clauses[5].Zone.Polygons[0][0][3][1] = nan }, []string{"clause M1", "zone", "finite"}},
		{"zone infinite", func(a *truce.Agreement) { a.Clauses[5].Zone.Polygons[0][0][3][0] = inf }, []string{"clause M1", "zone", "finite"}},
		{"zone of an unknown type", func(a *truce.Agreement) { a.Clauses[5].Zone.Type = "Circle" }, []string{"clause M1", "zone"}},
		{"no corroboration window", func(a *truce.Agreement) { a.Corroboration.Window = 0 }, []string{"corroboration.window"}},
		{"corroboration NaN metres", func(a *truce.Agreement) { a.Corroboration.Metres = nan }, []string{"corroboration.metres"}},
		{"reply deadline too long", func(a *truce.Agreement) { a.ReplyDeadline = truce.Duration(91 * 24 * time.Hour) }, []string{"reply_deadline"}},
		{"unknown publication", func(a *truce.Agreement) { a.Publication.Incidents = "some" }, []string{"publication.incidents"}},
		{"coarsening infinite", func(a *truce.Agreement) { a.Publication.CoarsenMetres = inf }, []string{"publication.coarsen_metres"}},
		{"unknown restricted field", func(a *truce.Agreement) { a.Publication.RestrictedSiteFields = []string{"name"} }, []string{"publication.restricted_site_fields"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := agreementV2()
			tt.edit(&a)
			err := a.Validate()
			wantError(t, "Validate", err, truce.EINVALID, tt.fields...)
			// The same terms in JSON are refused too, unless JSON cannot
			// hold them at all.
			data, merr := json.Marshal(a)
			if merr != nil {
				if !strings.Contains(tt.name, "NaN") && !strings.Contains(tt.name, "infinite") && !strings.Contains(tt.name, "year") {
					t.Fatalf("Marshal: %v", merr)
				}
				return
			}
			if _, err := truce.DecodeAgreement(data); truce.ErrorCode(err) != truce.EINVALID {
				t.Errorf("DecodeAgreement: %v, want invalid", err)
			}
		})
	}
}

// TestDecodeAgreement checks the JSON form: strict, and the zone's
// geometry checked as it is read.
func TestDecodeAgreement(t *testing.T) {
	good, err := json.Marshal(agreementV2())
	if err != nil {
		t.Fatal(err)
	}
	a, err := truce.DecodeAgreement(good)
	if err != nil {
		t.Fatalf("DecodeAgreement(v2): %v", err)
	}
	again, _ := json.Marshal(a)
	if string(again) != string(good) {
		t.Errorf("round trip differs:\n%s\n%s", good, again)
	}
	if z := a.Clause("M1").Zone; z == nil || z.Type != "Polygon" || len(z.Polygons[0][0]) != 25 {
		t.Errorf("zone of M1 = %+v", z)
	}
	if a.Clause("E9") != nil || !a.HasParty("ru") || a.HasParty("us") {
		t.Errorf("Clause or HasParty is wrong")
	}
	zone := `{"type":"Polygon","coordinates":[[[28.0,41.6],[29.1,41.2],[31.2,41.1],[28.0,41.6]]]}`
	if !strings.Contains(string(good), `"zone":{"type":"Polygon","coordinates":[[[28,41.6],`) {
		t.Fatalf("unexpected encoding of the zone: %s", good)
	}
	withZone := func(z string) string {
		i := strings.Index(string(good), `"zone":`) + len(`"zone":`)
		j := strings.Index(string(good[i:]), `]]]}`) + i + len(`]]]}`)
		return string(good[:i]) + z + string(good[j:])
	}
	if _, err := truce.DecodeAgreement([]byte(withZone(zone))); err != nil {
		t.Fatalf("a triangle zone: %v", err)
	}
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"unknown field", strings.Replace(string(good), `"title":`, `"titel":"x","title":`, 1), []string{"titel"}},
		{"unknown field in a clause", strings.Replace(string(good), `"protects":`, `"protect":[],"protects":`, 1), []string{"protect"}},
		{"key twice", strings.Replace(string(good), `"title":`, `"Title":"x","title":`, 1), []string{"twice"}},
		{"trailing data", string(good) + "{}", nil},
		{"nested too deep", strings.Replace(string(good), `"title":`, `"x":`+nested(40)+`,"title":`, 1), []string{"deeper"}},
		{"window not RFC 3339", strings.Replace(string(good), `"2025-03-25T00:00:00Z"`, `"25 March 2025"`, 1), []string{"RFC 3339"}},
		{"duration not a duration", strings.Replace(string(good), `"3d"`, `"three days"`, 1), []string{"three days"}},
		{"duration a number", strings.Replace(string(good), `"3d"`, `259200`, 1), []string{"duration"}},
		{"zone open ring", withZone(`{"type":"Polygon","coordinates":[[[30,44],[32,44],[32,46],[30,46]]]}`), []string{"closed"}},
		{"zone bow tie", withZone(`{"type":"Polygon","coordinates":[[[30,44],[32,46],[32,44],[30,46],[30,44]]]}`), []string{"intersects itself"}},
		{"zone a point", withZone(`{"type":"Point","coordinates":[31,46]}`), []string{"zone", "Point"}},
		{"zone longitude out of range", withZone(`{"type":"Polygon","coordinates":[[[30,44],[190,44],[32,46],[30,44]]]}`), []string{"Longitude 190"}},
		{"zone latitude out of range", withZone(`{"type":"Polygon","coordinates":[[[30,44],[32,-91],[32,46],[30,44]]]}`), []string{"Latitude -91"}},
		{"zone number too large", withZone(`{"type":"Polygon","coordinates":[[[30,44],[1e999,44],[32,46],[30,44]]]}`), nil},
		{"zone NaN as a string", withZone(`{"type":"Polygon","coordinates":[[[30,44],["NaN",44],[32,46],[30,44]]]}`), nil},
		{"zone position of one number", withZone(`{"type":"Polygon","coordinates":[[[30,44],[32],[32,46],[30,44]]]}`), []string{"position"}},
		{"zone position null", withZone(`{"type":"Polygon","coordinates":[[[30,44],null,[32,46],[30,44]]]}`), []string{"position"}},
		{"zone unknown type", withZone(`{"type":"Circle","coordinates":[31,46]}`), []string{"Circle"}},
		{"zone null coordinates", withZone(`{"type":"Polygon","coordinates":null}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := truce.DecodeAgreement([]byte(tt.data))
			wantError(t, tt.name, err, truce.EINVALID, tt.want...)
		})
	}
}

func TestAgreementSignValidate(t *testing.T) {
	good := truce.AgreementSign{Agreement: "energy-moratorium", Version: 1, AcceptedFrom: t0}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(s *truce.AgreementSign)
		field string
	}{
		{"bad agreement id", func(s *truce.AgreementSign) { s.Agreement = "Energy" }, "agreement"},
		{"version 0", func(s *truce.AgreementSign) { s.Version = 0 }, "version"},
		{"no acceptance time", func(s *truce.AgreementSign) { s.AcceptedFrom = time.Time{} }, "accepted_from"},
		{"acceptance before year 0 in UTC", func(s *truce.AgreementSign) { s.AcceptedFrom = mustTime(t, "0000-01-01T00:30:00+01:00") }, "accepted_from"},
	}
	for _, tt := range tests {
		s := good
		tt.edit(&s)
		wantError(t, tt.name, s.Validate(), truce.EINVALID, tt.field)
	}
}

// TestAgreementStatements runs proposals and signatures through the
// whole path: truce.Sign (which parses the statement), State.Check and
// State.Apply.
func TestAgreementStatements(t *testing.T) {
	m := newMoratorium(t)
	v1 := agreementV1()
	propose := func(a truce.Agreement) *truce.AgreementPropose { return &truce.AgreementPropose{Agreement: a} }
	signV := func(n int, from time.Time) *truce.AgreementSign {
		return &truce.AgreementSign{Agreement: "energy-moratorium", Version: n, AcceptedFrom: from}
	}
	// edited returns the agreement that new makes, edited: each is a deep
	// copy, so that no edit leaks into another step.
	edited := func(new func() truce.Agreement, edit func(*truce.Agreement)) truce.Agreement {
		a := new()
		edit(&a)
		return a
	}
	ruFrom := mustTime(t, "2025-03-18T14:00:00Z")
	type step struct {
		name   string
		by     *truce.Signer
		kind   truce.Kind
		body   any
		code   string
		fields []string
	}
	steps := []step{
		{"unknown category", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.Clauses[0].Protects = []truce.Category{"energy.coal"} })), truce.EINVALID, []string{"clause E1", "protects", "energy.coal"}},
		{"unknown act", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.Clauses[0].Prohibits = []truce.Act{"cyber_attack"} })), truce.EINVALID, []string{"clause E1", "prohibits", "cyber_attack"}},
		{"window ends before it starts", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { u := a.Window.From.Add(-time.Hour); a.Window.Until = &u })), truce.EINVALID, []string{"window.until"}},
		{"clause id used twice", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.Clauses[4].ID = "E4" })), truce.EINVALID, []string{"clauses", "E4", "twice"}},
		{"zone that is not a polygon", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) {
			p := truce.NewPoint(31, 46)
			a.Version, a.Supersedes, a.Clauses[5].Zone = 1, 0, &p
		})), truce.EINVALID, []string{"zone", "Point"}},
		{"zone with an open ring", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) {
			z := a.Clauses[5].Zone
			z.Polygons[0][0] = z.Polygons[0][0][:24]
			a.Version, a.Supersedes = 1, 0
		})), truce.EINVALID, []string{"closed"}},
		{"parties not parties in the charter", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.Parties = []string{"ua", "by"} })), truce.EINVALID, []string{"parties", `"by"`}},
		{"a monitor named as a party", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.Parties = []string{"ua", "smm"} })), truce.EINVALID, []string{"parties", `"smm"`}},
		{"a party named as the mediator", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.Mediator = "ru" })), truce.EINVALID, []string{"mediator", `"ru"`}},
		{"proposal by a party", m.ua, truce.KindAgreementPropose, propose(v1), truce.EFORBIDDEN, []string{"party"}},
		{"proposal by a monitor", m.smm, truce.KindAgreementPropose, propose(v1), truce.EFORBIDDEN, []string{"monitor"}},
		{"first version 2", m.us, truce.KindAgreementPropose, propose(agreementV2()), truce.ECONFLICT, []string{"version 1, not 2"}},
		{"signing a missing version", m.ua, truce.KindAgreementSign, signV(1, t0), truce.ENOTFOUND, []string{"energy-moratorium", "version 1"}},
		{"proposal of v1", m.us, truce.KindAgreementPropose, propose(v1), "", nil},
		{"v1 again", m.us, truce.KindAgreementPropose, propose(v1), truce.ECONFLICT, []string{"version 2, not 1"}},
		{"version out of sequence", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) { a.Version, a.Supersedes = 3, 1 })), truce.ECONFLICT, []string{"version 2, not 3"}},
		{"supersedes missing", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) { a.Supersedes = 0 })), truce.EINVALID, []string{"supersedes"}},
		{"clause id reused with other text", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) {
			a.Clauses[3].Text = "The Parties refrain from strikes near nuclear power plants."
		})), truce.ECONFLICT, []string{"Clause id E4", "reused", "version 1"}},
		{"signing a missing version", m.ua, truce.KindAgreementSign, signV(2, t0), truce.ENOTFOUND, []string{"version 2"}},
		{"signing a missing agreement", m.ua, truce.KindAgreementSign, &truce.AgreementSign{Agreement: "black-sea", Version: 1, AcceptedFrom: t0}, truce.ENOTFOUND, []string{"black-sea"}},
		{"sign by the mediator", m.us, truce.KindAgreementSign, signV(1, t0), truce.EFORBIDDEN, []string{"mediator"}},
		{"sign by a monitor", m.smm, truce.KindAgreementSign, signV(1, t0), truce.EFORBIDDEN, []string{"monitor"}},
		{"sign by a source", m.osint, truce.KindAgreementSign, signV(1, t0), truce.EFORBIDDEN, []string{"source"}},
		{"acceptance after the window", m.ru, truce.KindAgreementSign, signV(1, mustTime(t, "2025-04-17T00:00:00Z")), truce.EINVALID, []string{"accepted_from", "2025-04-17"}},
		{"Russia signs v1", m.ru, truce.KindAgreementSign, signV(1, ruFrom), "", nil},
		{"signing twice", m.ru, truce.KindAgreementSign, signV(1, ruFrom), truce.ECONFLICT, []string{`"ru"`, "already signed"}},
		{"signing twice with another time", m.ru, truce.KindAgreementSign, signV(1, t0), truce.ECONFLICT, []string{"already signed"}},
		{"v2 with the same clause texts", m.us, truce.KindAgreementPropose, propose(agreementV2()), "", nil},
		{"a unilateral declaration", m.us, truce.KindAgreementPropose, propose(edited(agreementV1, func(a *truce.Agreement) { a.ID, a.Parties = "ua-declaration", []string{"ua"} })), "", nil},
		{"sign by a party that is not a party to it", m.ru, truce.KindAgreementSign, &truce.AgreementSign{Agreement: "ua-declaration", Version: 1, AcceptedFrom: t0}, truce.EFORBIDDEN, []string{`"ru"`, "not a party", "ua-declaration"}},
		{"v3 reuses M1 with other text", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) { a.Version, a.Supersedes = 3, 2; a.Clauses[5].Text = "Other words." })), truce.ECONFLICT, []string{"Clause id M1", "version 2"}},
		{"v3 drops M1 and adds M2", m.us, truce.KindAgreementPropose, propose(edited(agreementV2, func(a *truce.Agreement) {
			a.Version, a.Supersedes = 3, 2
			a.Clauses[5].ID, a.Clauses[5].Text = "M2", "Other words."
		})), "", nil},
	}
	for _, s := range steps {
		_, err := m.submit(t, s.by, s.kind, t0, s.body)
		if s.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		wantError(t, s.name, err, s.code, s.fields...)
		// An error of Geometry.UnmarshalJSON reaches the user through
		// jsonMessage (json.go), which quotes its Error() text, code and
		// all; json.go is to unwrap it.
		if s.name != "zone with an open ring" {
			checkMessage(t, err)
		}
	}
	vs := m.state.Terms.Versions("energy-moratorium")
	if len(vs) != 3 || len(vs[0].Signatures) != 1 || vs[0].Signatures[0].Party != "ru" || !vs[0].Signatures[0].From.Equal(ruFrom) {
		t.Errorf("versions after the steps: %+v", vs)
	}
	if got := m.state.Terms.Agreements(); strings.Join(got, ",") != "energy-moratorium,ua-declaration" {
		t.Errorf("Agreements() = %v", got)
	}
}
