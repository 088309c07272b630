package engine_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// partyLine writes a PartyTerms as the assessment tests expect it.
func partyLine(pt truce.PartyTerms) string {
	if pt.Reason != "" {
		return pt.Party + ": " + pt.Reason
	}
	return fmt.Sprintf("%s %s/%d since %s %v", pt.Party, pt.Agreement, pt.Version, pt.Since.Format(time.RFC3339), pt.Clauses)
}

// siteLine writes a SiteFinding as the assessment tests expect it.
func siteLine(f truce.SiteFinding) string {
	s := fmt.Sprintf("%s %v/%v %v", f.Site, f.Metres, f.Reach, f.Clauses)
	if f.Named {
		s += " named"
	}
	return s
}

// onlyRuSigned returns a deployment where Russia alone has signed the
// first version of the demo agreement.
func onlyRuSigned(tb testing.TB) *deployment {
	d := newDeployment(tb)
	a := demoAgreement(tb, 1)
	d.do("us", truce.KindAgreementPropose, time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC), &truce.AgreementPropose{Agreement: *a})
	d.do("ru", truce.KindAgreementSign, ruFrom, &truce.AgreementSign{Agreement: a.ID, Version: 1, AcceptedFrom: ruFrom})
	return d
}

func TestAssessment(t *testing.T) {
	mar20 := time.Date(2025, 3, 20, 3, 0, 0, 0, time.UTC)
	mar28 := time.Date(2025, 3, 28, 10, 0, 0, 0, time.UTC)
	apr20 := time.Date(2025, 4, 20, 3, 0, 0, 0, time.UTC)
	near := north(nppLat, 850) // 850 m north of the NPP
	const e4ru = "within 850 m of Zaporizhzhia NPP (energy.generation.nuclear; clauses E3 and E4, in force for ru since 2025-03-18)"
	const v1ru = "ru energy-moratorium/1 since 2025-03-18T14:00:00Z [E1 E2 E3 E4 E5]"
	const v2ru = "ru energy-moratorium/2 since 2025-03-25T00:00:00Z [E1 E2 E3 E4 E5]"
	withTarget := func(r *truce.Report, sites ...string) *truce.Report {
		r.Target.Sites = sites
		return r
	}
	for _, c := range []struct {
		name     string
		setup    func(testing.TB) *deployment // newMoratorium if nil
		by       string
		r        *truce.Report
		parties  []string
		sites    []string
		findings []string
		deadline string // RFC 3339, or "" for none
	}{
		{
			name: "a drone strike 850 m from the NPP, accusing ru",
			by:   "ua", r: newReport(near, nppLon, 500, mar20, truce.ActDroneStrike, "ru"),
			parties:  []string{v1ru},
			sites:    []string{"zaporizhzhia-npp 850/3500 [ru:E3 ru:E4]"},
			findings: []string{e4ru},
			deadline: "2025-03-23T04:01:00Z", // claimed at 04:01, plus 72h
		},
		{
			name: "the same, accusing ua before its acceptance",
			by:   "ru", r: newReport(near, nppLon, 500, mar20, truce.ActDroneStrike, "ua"),
			parties: []string{"ua: before the window of ua's acceptance (bound from 2025-03-25T00:00:00Z)"},
			findings: []string{
				"no protected site within 0.5 km",
				"no terms bind ua: before the window of ua's acceptance (bound from 2025-03-25T00:00:00Z)",
			},
		},
		{
			name: "a strike 10 km away",
			by:   "ua", r: newReport(north(nppLat, 10000), nppLon, 1500, mar20, truce.ActDroneStrike, "ru"),
			parties:  []string{v1ru},
			findings: []string{"no protected site within 4.5 km"},
		},
		{
			name: "after the terms expired",
			by:   "ua", r: newReport(near, nppLon, 500, apr20, truce.ActDroneStrike, "ru"),
			parties: []string{"ru: after the terms expired on 2025-04-17T00:00:00Z"},
			findings: []string{
				"no protected site within 0.5 km",
				"no terms bind ru: after the terms expired on 2025-04-17T00:00:00Z",
			},
		},
		{
			name: "force at sea in the Black Sea zone",
			by:   "ua", r: newReport(46.47, 30.76, 3000, mar28, truce.ActForceAtSea, "ru"),
			parties: []string{"ru energy-moratorium/2 since 2025-03-25T00:00:00Z [M1]"},
			sites:   []string{"odesa-port 2704/3000 [ru:M1]"},
			findings: []string{
				"within 2.7 km of Port of Odesa (maritime.port; clause M1, in force for ru since 2025-03-25)",
				"clause M1 applies: the place is in its zone",
			},
			deadline: "2025-03-31T11:01:00Z",
		},
		{
			name: "force at sea before the maritime clause",
			by:   "ua", r: newReport(46.47, 30.76, 3000, mar20, truce.ActForceAtSea, "ru"),
			parties: []string{"ru energy-moratorium/1 since 2025-03-18T14:00:00Z []"},
			findings: []string{
				"no protected site within 3 km",
				"ru is bound by energy-moratorium version 1, but none of its clauses prohibits use_of_force_at_sea here",
			},
		},
		{
			name: "a drone strike on the Sea of Azov, outside the zone",
			by:   "ua", r: newReport(46.5, 36.5, 500, mar28, truce.ActDroneStrike, "ru"),
			parties:  []string{v2ru},
			findings: []string{"no protected site within 3.5 km"},
		},
		{
			name: "shelling, which E4 prohibits",
			by:   "ua", r: newReport(near, nppLon, 500, mar20, truce.ActShelling, "ru"),
			parties:  []string{v1ru},
			sites:    []string{"zaporizhzhia-npp 850/3500 [ru:E3 ru:E4]"},
			findings: []string{e4ru},
			deadline: "2025-03-23T04:01:00Z",
		},
		{
			// The demo terms prohibit sabotage too.
			name: "sabotage",
			by:   "ua", r: newReport(near, nppLon, 500, mar20, truce.ActSabotage, "ru"),
			parties:  []string{v1ru},
			sites:    []string{"zaporizhzhia-npp 850/3500 [ru:E3 ru:E4]"},
			findings: []string{e4ru},
			deadline: "2025-03-23T04:01:00Z",
		},
		{
			name: "an act no clause prohibits",
			by:   "ua", r: newReport(near, nppLon, 500, mar20, truce.ActOther, "ru"),
			parties: []string{"ru energy-moratorium/1 since 2025-03-18T14:00:00Z []"},
			findings: []string{
				"no protected site within 0.5 km",
				"ru is bound by energy-moratorium version 1, but none of its clauses prohibits other here",
			},
		},
		{
			name: "a named target out of reach",
			by:   "ua", r: withTarget(newReport(north(nppLat, 12000), nppLon, 1000, mar20, truce.ActDroneStrike, "ru"), "zaporizhzhia-npp"),
			parties: []string{v1ru},
			sites:   []string{"zaporizhzhia-npp 12000/4000 [] named"},
			findings: []string{
				"named as the target: Zaporizhzhia NPP (energy.generation.nuclear) is 12 km away, beyond its reach of 4 km",
				"no protected site within 4 km",
			},
		},
		{
			name: "a named target within reach",
			by:   "ua", r: withTarget(newReport(near, nppLon, 500, mar20, truce.ActDroneStrike, "ru"), "zaporizhzhia-npp"),
			parties:  []string{v1ru},
			sites:    []string{"zaporizhzhia-npp 850/3500 [ru:E3 ru:E4] named"},
			findings: []string{"named as the target, " + e4ru},
			deadline: "2025-03-23T04:01:00Z",
		},
		{
			name: "a named target that no applicable clause protects",
			by:   "ua", r: withTarget(newReport(north(subLat, 3000), subLon, 500, mar20, truce.ActDroneStrike, "ru"), "odesa-port"),
			parties: []string{v1ru},
			sites:   []string{"odesa-port 358337/500 [] named"},
			findings: []string{
				"named as the target: Port of Odesa (maritime.port), 358 km away, is not protected by any clause that applies",
				"no protected site within 3.5 km",
			},
		},
		{
			name: "nobody accused: every party is assessed",
			by:   "osce", r: newReport(near, nppLon, 500, mar28, truce.ActDroneStrike),
			parties: []string{v2ru, "ua energy-moratorium/2 since 2025-03-25T00:00:00Z [E1 E2 E3 E4 E5]"},
			sites:   []string{"zaporizhzhia-npp 850/3500 [ru:E3 ru:E4 ua:E3 ua:E4]"},
			findings: []string{
				"within 850 m of Zaporizhzhia NPP (energy.generation.nuclear; clauses E3 and E4, in force for ru since 2025-03-25; clauses E3 and E4, in force for ua since 2025-03-25)",
			},
		},
		{
			name: "a substation within its buffer",
			by:   "ua", r: newReport(subLat, east(subLon, subLat, 400), 0, mar28, truce.ActMissileStrike, "ru"),
			parties:  []string{v2ru},
			sites:    []string{"dniprovska-750 400/500 [ru:E3]"},
			findings: []string{"within 400 m of Dniprovska 750 kV substation (energy.transmission.substation; clause E3, in force for ru since 2025-03-25)"},
			deadline: "2025-03-31T11:01:00Z",
		},
		{
			name: "a substation beyond its buffer",
			by:   "ua", r: newReport(subLat, east(subLon, subLat, 600), 0, mar28, truce.ActMissileStrike, "ru"),
			parties:  []string{v2ru},
			findings: []string{"no protected site within 3 km"},
		},
		{
			name:  "no agreement at all",
			setup: func(tb testing.TB) *deployment { return newDeployment(tb) },
			by:    "ua", r: newReport(near, nppLon, 500, mar20, truce.ActDroneStrike, "ru"),
			parties:  []string{"ru: not a party to any agreement"},
			findings: []string{"no protected site within 0.5 km", "no terms bind ru: not a party to any agreement"},
		},
		{
			name:  "an agreement not every party has signed",
			setup: onlyRuSigned,
			by:    "ua", r: newReport(near, nppLon, 500, mar20, truce.ActDroneStrike, "ru"),
			parties: []string{"ru: no agreement in force: not every party has signed (energy-moratorium version 1 awaits ua)"},
			findings: []string{
				"no protected site within 0.5 km",
				"no terms bind ru: no agreement in force: not every party has signed (energy-moratorium version 1 awaits ua)",
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			setup := c.setup
			if setup == nil {
				setup = func(tb testing.TB) *deployment { return newMoratorium(tb) }
			}
			d := setup(t)
			inc := d.incidentOf(d.report(c.by, c.r))
			a := inc.Assessment
			var parties, sites []string
			for _, pt := range a.Parties {
				parties = append(parties, partyLine(pt))
			}
			for _, f := range a.Sites {
				sites = append(sites, siteLine(f))
			}
			deadline := ""
			if a.ReplyDeadline != nil {
				deadline = a.ReplyDeadline.Format(time.RFC3339)
			}
			same := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s:\ngot  %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
				}
			}
			same("parties", parties, c.parties)
			same("sites", sites, c.sites)
			same("findings", a.Findings, c.findings)
			if deadline != c.deadline {
				t.Errorf("reply deadline %q, want %q", deadline, c.deadline)
			}
			if a.Grade != truce.GradeSingle && c.by != "osce" {
				t.Errorf("grade %s, want %s", a.Grade, truce.GradeSingle)
			}
		})
	}
}

// TestReassessment checks that an incident is read again, against the
// registry of the moment, when a report joins it, and only then.
func TestReassessment(t *testing.T) {
	d := newMoratorium(t)
	mar28 := time.Date(2025, 3, 28, 10, 0, 0, 0, time.UTC)
	p := north(nppLat, 20000)
	first := d.report("ua", newReport(p, nppLon, 500, mar28, truce.ActDroneStrike, "ru"))
	before := d.incidentOf(first)
	if len(before.Assessment.Sites) != 0 {
		t.Fatalf("sites before the declaration: %v", before.Assessment.Sites)
	}
	// A site declared later, but before the incident's time, is found
	// once a report joins.
	site := truce.Site{ID: "enerhodar-sub", Name: "Enerhodar substation", Category: "energy.transmission.substation", Geometry: truce.NewPoint(nppLon, north(p, 300)), Controller: "ua"}
	d.do("ua", truce.KindSiteDeclare, mar28.Add(-time.Hour), &truce.SiteDeclare{Site: site})
	if got := d.incidentOf(first); !slices.Equal(got.Assessment.Findings, before.Assessment.Findings) || got.UpdatedAt != before.UpdatedAt {
		t.Errorf("the incident changed without a report: %v", got.Assessment.Findings)
	}
	d.report("osint", newReport(p, nppLon, 800, mar28.Add(time.Hour), truce.ActDroneStrike))
	after := d.incidentOf(first)
	if len(after.Assessment.Sites) != 1 || after.Assessment.Sites[0].Site != site.ID || after.Assessment.Grade != truce.GradeCorroborated {
		t.Errorf("after a report joined: sites %v, grade %s", after.Assessment.Sites, after.Assessment.Grade)
	}
	if after.UpdatedAt != uint64(len(d.log)-1) {
		t.Errorf("UpdatedAt %d, want %d", after.UpdatedAt, len(d.log)-1)
	}
}

// TestSiteCap checks that an assessment lists at most MaxSites sites and
// says how many more there were.
func TestSiteCap(t *testing.T) {
	d := newMoratorium(t)
	var batch truce.SiteBatch
	for i := range 60 {
		batch.Sites = append(batch.Sites, truce.Site{
			ID: fmt.Sprintf("solar-%02d", i), Name: fmt.Sprintf("Solar park %d", i), Category: "energy.generation.solar",
			Geometry: truce.NewPoint(nppLon, north(nppLat, float64(10000+10*i))), Controller: "ua",
		})
	}
	d.do("us", truce.KindSiteBatch, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), &batch)
	inc := d.incidentOf(d.report("ua", newReport(north(nppLat, 10000), nppLon, 1000, time.Date(2025, 3, 28, 0, 0, 0, 0, time.UTC), truce.ActDroneStrike, "ru")))
	a := inc.Assessment
	if len(a.Sites) != 50 || a.Sites[0].Site != "solar-00" || a.Sites[49].Site != "solar-49" {
		t.Fatalf("%d sites, from %s to %s", len(a.Sites), a.Sites[0].Site, a.Sites[len(a.Sites)-1].Site)
	}
	if !slices.Contains(a.Findings, "and 10 more sites further away are not listed") {
		t.Errorf("findings %q", a.Findings)
	}
}

// TestSitesBruteForce checks the sites of many incidents against every
// site of the registry, measured one by one: sites of every category of
// the taxonomy, declared at various times, some retired, under the demo
// terms, whose buffers differ by category.
func TestSitesBruteForce(t *testing.T) {
	d := newMoratorium(t)
	rng := rand.New(rand.NewChaCha8([32]byte{'b', 'r', 'u', 't', 'e'}))
	cats := truce.Categories()
	mar := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for b := range 12 {
		var batch truce.SiteBatch
		for i := range 250 {
			batch.Sites = append(batch.Sites, truce.Site{
				ID: fmt.Sprintf("s%02d-%03d", b, i), Name: fmt.Sprintf("Site %d-%d", b, i), Category: cats[rng.IntN(len(cats))].ID,
				Geometry: truce.NewPoint(nppLon+0.6*rng.Float64()-0.3, nppLat+0.4*rng.Float64()-0.2), Controller: "ua",
			})
		}
		d.do("us", truce.KindSiteBatch, mar.Add(time.Duration(b)*3*24*time.Hour), &batch)
	}
	for i := range 50 {
		d.do("ua", truce.KindSiteRetire, mar.Add(time.Duration(20+i)*24*time.Hour), &truce.SiteRetire{Site: fmt.Sprintf("s00-%03d", i*5), Reason: "Decommissioned."})
	}
	for range 300 {
		lat, lon := nppLat+0.4*rng.Float64()-0.2, nppLon+0.6*rng.Float64()-0.3
		start := mar.Add(time.Duration(rng.Int64N(int64(50 * 24 * time.Hour))))
		acts := truce.Acts()
		r := newReport(lat, lon, 3000*rng.Float64(), start, acts[rng.IntN(len(acts))])
		r.Accused = [][]string{nil, {"ru"}, {"ua"}, {"ru", "ua"}}[rng.IntN(4)]
		d.report([]string{"ua", "ru", "osce", "osint"}[rng.IntN(4)], r)
	}
	checked := 0
	for _, inc := range d.engine.Incidents() {
		want := bruteSites(d.state, &inc)
		var got []string
		for _, f := range inc.Assessment.Sites {
			got = append(got, siteLine(f))
		}
		if !slices.Equal(got, want) {
			t.Errorf("incident %.8s at %v, %v m, %s, %s:\ngot  %s\nwant %s", inc.ID, inc.Where.Position(), inc.Where.RadiusMetres, inc.Start.Format(time.RFC3339), inc.Act,
				strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
		checked += len(want)
	}
	if checked < 300 {
		t.Errorf("only %d site findings: the test should find more", checked)
	}
}

// bruteSites returns the site lines that the rules give inc, reading every
// site of the registry.
func bruteSites(s *truce.State, inc *truce.Incident) []string {
	type app struct {
		party  string
		clause *truce.Clause
	}
	var apps []app
	for _, pt := range inc.Assessment.Parties {
		if pt.Agreement == "" {
			continue
		}
		v := s.Terms.Version(pt.Agreement, pt.Version)
		for _, id := range pt.Clauses {
			apps = append(apps, app{pt.Party, v.Agreement.Clause(id)})
		}
	}
	type hit struct {
		line   string
		metres float64
		id     string
	}
	var hits []hit
	for _, site := range s.Registry.Sites() {
		if !site.ActiveAt(inc.Start) {
			continue
		}
		var pairs []string
		buffer := 0.0
		for _, a := range apps {
			for _, p := range a.clause.Protects {
				if p.Covers(site.Category) {
					pairs = append(pairs, a.party+":"+a.clause.ID)
				}
			}
			for _, b := range a.clause.Buffers {
				if b.Category.Covers(site.Category) {
					buffer = max(buffer, b.Metres)
				}
			}
		}
		if len(pairs) == 0 {
			continue
		}
		slices.Sort(pairs)
		pairs = slices.Compact(pairs)
		reach := inc.Where.RadiusMetres + buffer
		if d := geo.Distance(inc.Where.Position(), site.Geometry); d <= reach {
			f := truce.SiteFinding{Site: site.ID, Metres: math.Round(d), Reach: reach, Clauses: pairs}
			hits = append(hits, hit{siteLine(f), f.Metres, site.ID})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.metres, b.metres), strings.Compare(a.id, b.id)) })
	var out []string
	for _, h := range hits[:min(len(hits), 50)] {
		out = append(out, h.line)
	}
	return out
}
