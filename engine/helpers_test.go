package engine_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/geo"
)

// origin is the log origin of the test deployments.
const origin = "truce.example/engine-test"

// members of the test deployments: the parties and mediator of March
// 2025, a monitoring mission, and two outside sources.
var members = []struct {
	id   string
	role truce.Role
	name string
	kind truce.SourceKind // the source kind its reports claim
}{
	{"ua", truce.RoleParty, "Ukraine", truce.SourceParty},
	{"ru", truce.RoleParty, "Russian Federation", truce.SourceParty},
	{"us", truce.RoleMediator, "United States technical team", truce.SourceMediator},
	{"osce", truce.RoleMonitor, "Monitoring mission", truce.SourceMonitor},
	{"osint", truce.RoleSource, "Open-source investigators", truce.SourceOSINT},
	{"ucdp", truce.RoleSource, "Uppsala Conflict Data Program", truce.SourceOSINT},
}

// deployment is a log in the making: the state that truce.State builds
// from it, the site index the service would keep beside it, and an engine
// fed every statement in log order, as the projector feeds it.
type deployment struct {
	tb     testing.TB
	state  *truce.State
	sites  *geo.Index[string]
	keys   map[string]*truce.Signer
	kinds  map[string]truce.SourceKind
	engine *engine.Engine
	log    []*truce.Statement // by log index
}

// newDeployment returns a deployment with its charter, signed by the
// mediator. Its keys are the same on every run: they come from a ChaCha8
// stream with a fixed seed.
func newDeployment(tb testing.TB, amend ...func(*truce.Charter)) *deployment {
	tb.Helper()
	rng := rand.NewChaCha8([32]byte{'e', 'n', 'g', 'i', 'n', 'e'})
	d := &deployment{
		tb: tb, state: truce.NewState(origin), sites: geo.NewIndex[string](),
		keys: map[string]*truce.Signer{}, kinds: map[string]truce.SourceKind{},
	}
	charter := &truce.Charter{Name: "Moratorium on strikes against energy infrastructure, March 2025"}
	for _, m := range members {
		s, err := truce.GenerateSigner(m.id, rng)
		if err != nil {
			tb.Fatal(err)
		}
		d.keys[m.id], d.kinds[m.id] = s, m.kind
		charter.Members = append(charter.Members, truce.Member{ID: m.id, Role: m.role, Name: m.name, Keys: []truce.PublicKey{truce.NewPublicKey(s.Public())}})
	}
	for _, f := range amend {
		f(charter)
	}
	d.engine = engine.New(d.state.Terms, d.state.Registry, d.sites)
	d.engine.UseAuthority(d.state.Authority)
	d.do("us", truce.KindCharter, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), charter)
	return d
}

// do signs a statement, checks it against the state, applies it to the
// state, the site index and the engine, and returns it with the
// incidents the engine changed.
func (d *deployment) do(signer string, kind truce.Kind, at time.Time, body any) (*truce.Statement, []truce.Incident) {
	d.tb.Helper()
	st, err := truce.Sign(d.keys[signer], origin, kind, at, body)
	if err != nil {
		d.tb.Fatalf("sign %s by %s: %v", kind, signer, err)
	}
	if err := d.state.Check(st); err != nil {
		d.tb.Fatalf("check %s by %s: %v", kind, signer, err)
	}
	index := uint64(len(d.log))
	ch := d.state.Apply(st, index)
	for i := range ch.Sites {
		if err := d.sites.Update(geo.SiteItem(&ch.Sites[i])); err != nil {
			d.tb.Fatal(err)
		}
	}
	d.log = append(d.log, st)
	incs, err := d.engine.Apply(st, index)
	if err != nil {
		d.tb.Fatalf("engine: apply %s by %s at %d: %v", kind, signer, index, err)
	}
	return st, incs
}

// try signs a statement and checks it as the projector does, against the
// state and then the engine; if both accept it, it applies it as do does.
func (d *deployment) try(signer string, kind truce.Kind, at time.Time, body any) ([]truce.Incident, error) {
	d.tb.Helper()
	st, err := truce.Sign(d.keys[signer], origin, kind, at, body)
	if err != nil {
		return nil, err
	}
	if err := d.state.Check(st); err != nil {
		return nil, err
	}
	if err := d.engine.Check(st); err != nil {
		return nil, err
	}
	_, incs := d.do(signer, kind, at, body)
	return incs, nil
}

// report applies a report by signer, claimed at its end, with the source
// kind of the signer's role unless it has one.
func (d *deployment) report(signer string, r *truce.Report) *truce.Statement {
	d.tb.Helper()
	if r.SourceKind == "" {
		r.SourceKind = d.kinds[signer]
	}
	st, _ := d.do(signer, truce.KindReport, r.When.End.Add(time.Minute), r)
	return st
}

// retract applies the retraction of report st by its signer.
func (d *deployment) retract(st *truce.Statement) {
	d.tb.Helper()
	d.do(st.Payload.Signer, truce.KindReportRetract, st.Payload.Time.Add(time.Hour), &truce.ReportRetract{Report: st.ID, Reason: "Mistaken identification."})
}

// incidentOf returns the incident that holds report st.
func (d *deployment) incidentOf(st *truce.Statement) truce.Incident {
	d.tb.Helper()
	id, ok := d.engine.IncidentOf(st.ID)
	if !ok {
		d.tb.Fatalf("report %s is in no incident", st.ID[:8])
	}
	inc, ok := d.engine.Incident(id)
	if !ok {
		d.tb.Fatalf("incident %s not found", id[:8])
	}
	return inc
}

// newReport returns a report of act at lat, lon, within radius metres,
// from start for an hour.
func newReport(lat, lon, radius float64, start time.Time, act truce.Act, accused ...string) *truce.Report {
	return &truce.Report{
		When:       truce.When{Start: start, End: start.Add(time.Hour), Precision: "hour"},
		Where:      truce.Where{Lat: lat, Lon: lon, RadiusMetres: radius, Precision: "near"},
		Act:        act,
		Accused:    accused,
		Damage:     truce.Damage{Level: "unknown"},
		Casualties: truce.Casualties{Precision: "unknown"},
	}
}

// north returns the latitude metres north of lat, on the sphere that geo
// measures on.
func north(lat, metres float64) float64 { return lat + metres/(geo.EarthRadius*math.Pi/180) }

// east returns the longitude metres east of lon at latitude lat.
func east(lon, lat, metres float64) float64 {
	return lon + metres/(geo.EarthRadius*math.Pi/180*math.Cos(lat*math.Pi/180))
}

// The sites of the March 2025 setup.
const (
	nppLat, nppLon   = 47.5119, 34.5863 // Zaporizhzhia NPP
	subLat, subLon   = 47.7950, 35.0580 // a 750 kV substation near Zaporizhzhia
	portLat, portLon = 46.4925, 30.7467 // the port of Odesa
)

var (
	ruFrom = time.Date(2025, 3, 18, 14, 0, 0, 0, time.UTC) // Russia's acceptance
	uaFrom = time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)  // Ukraine's acceptance
)

// newMoratorium returns a deployment with the demo agreement's two
// versions, signed by Russia from 18 March 2025, 14:00 UTC and by Ukraine
// from 25 March, and three sites that Ukraine declared on 1 March.
func newMoratorium(tb testing.TB, amend ...func(*truce.Charter)) *deployment {
	tb.Helper()
	d := newDeployment(tb, amend...)
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []truce.Site{
		{ID: "zaporizhzhia-npp", Name: "Zaporizhzhia NPP", Category: "energy.generation.nuclear", Geometry: truce.NewPoint(nppLon, nppLat), Controller: "ua"},
		{ID: "dniprovska-750", Name: "Dniprovska 750 kV substation", Category: "energy.transmission.substation", Geometry: truce.NewPoint(subLon, subLat), Controller: "ua"},
		{ID: "odesa-port", Name: "Port of Odesa", Category: "maritime.port", Geometry: truce.NewPoint(portLon, portLat), Controller: "ua"},
	} {
		d.do("ua", truce.KindSiteDeclare, at, &truce.SiteDeclare{Site: s})
	}
	for v := 1; v <= 2; v++ {
		a := demoAgreement(tb, v)
		d.do("us", truce.KindAgreementPropose, time.Date(2025, 3, 18, 12, v, 0, 0, time.UTC), &truce.AgreementPropose{Agreement: *a})
		d.do("ru", truce.KindAgreementSign, ruFrom.Add(time.Duration(v)*time.Minute), &truce.AgreementSign{Agreement: a.ID, Version: v, AcceptedFrom: ruFrom})
		d.do("ua", truce.KindAgreementSign, uaFrom.Add(time.Duration(v)*time.Minute), &truce.AgreementSign{Agreement: a.ID, Version: v, AcceptedFrom: uaFrom})
	}
	return d
}

// demoAgreement decodes version v of the demo agreement from its YAML.
func demoAgreement(tb testing.TB, v int) *truce.Agreement {
	tb.Helper()
	data, err := os.ReadFile("../cmd/truce/demo/energy-moratorium-v" + strconv.Itoa(v) + ".yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := truce.DecodeAgreement(js)
	if err != nil {
		tb.Fatalf("version %d: %v", v, err)
	}
	return a
}
