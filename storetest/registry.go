package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// testRegistry checks agreements, sites and site history: upserts by key,
// order, exact round trips of every field, and Reset.
func (s *suite) testRegistry(t *testing.T, st truce.Store) {
	ctx := context.Background()
	v1 := agreementVersion(1, nil)
	site := registrySite("gppd:WRI1005097", "Burshtyn power station", truce.SiteDeclared)
	ev := truce.SiteEvent{Site: site.ID, Index: 3, Statement: "aa", Kind: truce.KindSiteBatch, Signer: "us",
		Time: time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC), Summary: "declared"}
	apply(t, st, truce.Batch{Agreements: []truce.AgreementVersion{v1}, Sites: []truce.SiteState{site}, SiteEvents: []truce.SiteEvent{ev}})

	signed := agreementVersion(1, []truce.Acceptance{{Party: "ua", From: time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC), Index: 4, Statement: "bb"}})
	v2 := agreementVersion(2, nil)
	retired := site
	at := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	retired.Status, retired.RetiredSince, retired.UpdatedAt = truce.SiteRetired, &at, 6
	ev2 := ev
	ev2.Index, ev2.Kind, ev2.Summary = 6, truce.KindSiteRetire, "retired: destroyed"
	other := registrySite("geonuclear:150", "Zaporizhzhia-1", truce.SiteDisputed)
	apply(t, st, truce.Batch{Agreements: []truce.AgreementVersion{v2, signed}, Sites: []truce.SiteState{retired, other}, SiteEvents: []truce.SiteEvent{ev2}})

	agreements, err := st.Agreements(ctx)
	if err != nil {
		t.Fatalf("Agreements: %v", err)
	}
	if want := []truce.AgreementVersion{signed, v2}; !reflect.DeepEqual(agreements, want) {
		t.Errorf("Agreements =\n%+v\nwant\n%+v", agreements, want)
	}
	sites, err := st.Sites(ctx)
	if err != nil {
		t.Fatalf("Sites: %v", err)
	}
	if want := []truce.SiteState{other, retired}; !reflect.DeepEqual(sites, want) {
		t.Errorf("Sites =\n%+v\nwant\n%+v", sites, want)
	}
	events, err := st.SiteEvents(ctx, site.ID)
	if err != nil {
		t.Fatalf("SiteEvents: %v", err)
	}
	if want := []truce.SiteEvent{ev, ev2}; !reflect.DeepEqual(events, want) {
		t.Errorf("SiteEvents =\n%+v\nwant\n%+v", events, want)
	}
	if none, err := st.SiteEvents(ctx, "no:such"); err != nil || len(none) != 0 {
		t.Errorf("SiteEvents(unknown) = %v, %v; want empty, nil", none, err)
	}
	if err := st.Reset(ctx); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if a, _ := st.Agreements(ctx); len(a) != 0 {
		t.Errorf("after Reset, %d agreements remain", len(a))
	}
	if s, _ := st.Sites(ctx); len(s) != 0 {
		t.Errorf("after Reset, %d sites remain", len(s))
	}
}

func agreementVersion(version int, sigs []truce.Acceptance) truce.AgreementVersion {
	until := time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC)
	a := truce.Agreement{
		ID: "energy-moratorium", Version: version, Title: "Moratorium", Parties: []string{"ru", "ua"},
		Window: truce.Window{From: time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC), Until: &until},
		Clauses: []truce.Clause{{ID: "E4", Text: "No strikes on nuclear power plants.",
			Protects: []truce.Category{"energy.generation.nuclear"}, Prohibits: []truce.Act{truce.ActDroneStrike},
			Buffers: []truce.Buffer{{Category: "energy.generation.nuclear", Metres: 3000}}}},
		Corroboration: truce.Corroboration{Window: truce.Duration(6 * time.Hour), Metres: 5000},
		ReplyDeadline: truce.Duration(72 * time.Hour),
		Publication:   truce.Publication{Incidents: "determined", CoarsenMetres: 5000},
	}
	if version > 1 {
		a.Supersedes = version - 1
	}
	if sigs == nil {
		sigs = []truce.Acceptance{}
	}
	return truce.AgreementVersion{Agreement: a, Index: uint64(version), Statement: "cc", Signatures: sigs}
}

func registrySite(id, name, status string) truce.SiteState {
	s := truce.Site{ID: id, Name: name, Category: "energy.generation.thermal", Geometry: truce.NewPoint(24.6665, 49.2104),
		Controller: "ua", Source: "WRI Global Power Plant Database v1.3.0", SourceRow: id,
		Attributes: map[string]string{"capacity_mw": "2334"}}
	return truce.SiteState{Site: s, Status: status, Hash: s.Hash(), DeclaredBy: "us",
		Since: time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC), DeclaredAt: 3, UpdatedAt: 3}
}
