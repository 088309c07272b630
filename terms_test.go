package truce_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// The March 2025 moratorium: Russia counted it from the afternoon of 18
// March, Ukraine from the publication of 25 March.
var (
	ruAccepts = time.Date(2025, 3, 18, 14, 0, 0, 0, time.UTC)
	uaAccepts = time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)
	expiry    = time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC)
)

// moratoriumSteps are the statements of the March 2025 case, in log
// order: the proposal of version 1, Russia's and Ukraine's signatures,
// the proposal of version 2 and both signatures of it.
func moratoriumSteps(m *moratorium) []struct {
	by   *truce.Signer
	kind truce.Kind
	body any
} {
	v1, v2 := agreementV1(), agreementV2()
	sign := func(n int, from time.Time) *truce.AgreementSign {
		return &truce.AgreementSign{Agreement: "energy-moratorium", Version: n, AcceptedFrom: from}
	}
	return []struct {
		by   *truce.Signer
		kind truce.Kind
		body any
	}{
		{m.us, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: v1}},
		{m.ru, truce.KindAgreementSign, sign(1, ruAccepts)},
		{m.ua, truce.KindAgreementSign, sign(1, uaAccepts)},
		{m.us, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: v2}},
		{m.ru, truce.KindAgreementSign, sign(2, ruAccepts)},
		{m.ua, truce.KindAgreementSign, sign(2, uaAccepts)},
	}
}

// moratoriumAfter returns a deployment whose log holds the first n steps
// of the March 2025 case.
func moratoriumAfter(t testing.TB, n int) *moratorium {
	t.Helper()
	m := newMoratorium(t)
	for _, s := range moratoriumSteps(m)[:n] {
		m.must(t, s.by, s.kind, t0, s.body)
	}
	return m
}

// signMoratorium applies every step of the March 2025 case to m.
func signMoratorium(t testing.TB, m *moratorium) {
	t.Helper()
	for _, s := range moratoriumSteps(m) {
		m.must(t, s.by, s.kind, t0, s.body)
	}
}

var (
	clausesV1 = []string{"E1", "E2", "E3", "E4", "E5"}
	clausesV2 = []string{"E1", "E2", "E3", "E4", "E5", "M1"}
)

func TestInForceMarch2025(t *testing.T) {
	type bound struct {
		version      int
		since, until string
		clauses      []string
	}
	v1ru := &bound{1, "2025-03-18T14:00:00Z", "2025-04-17T00:00:00Z", clausesV1}
	v1ruUntilV2 := &bound{1, "2025-03-18T14:00:00Z", "2025-03-25T00:00:00Z", clausesV1}
	v1ua := &bound{1, "2025-03-25T00:00:00Z", "2025-04-17T00:00:00Z", clausesV1}
	v2 := &bound{2, "2025-03-25T00:00:00Z", "2025-04-17T00:00:00Z", clausesV2}
	tests := []struct {
		name   string
		steps  int // of moratoriumSteps in the log
		at     string
		ua, ru *bound // nil: not bound
	}{
		{"before anyone signs", 1, "2025-03-20T00:00:00Z", nil, nil},
		{"only Russia signed", 2, "2025-03-20T00:00:00Z", nil, nil},
		{"only Russia signed, after Ukraine's date", 2, "2025-03-26T00:00:00Z", nil, nil},
		{"before the window", 3, "2025-03-17T23:59:59Z", nil, nil},
		{"in the window, before Russia's acceptance", 3, "2025-03-18T13:59:59Z", nil, nil},
		{"at Russia's acceptance", 3, "2025-03-18T14:00:00Z", nil, v1ru},
		{"20 March: Russia bound, Ukraine not", 3, "2025-03-20T00:00:00Z", nil, v1ru},
		{"a second before Ukraine's acceptance", 3, "2025-03-24T23:59:59Z", nil, v1ru},
		{"at Ukraine's acceptance", 3, "2025-03-25T00:00:00Z", v1ua, v1ru},
		{"v2 proposed, nobody signed it", 4, "2025-03-26T00:00:00Z", v1ua, v1ru},
		{"v2 signed by Russia only", 5, "2025-03-26T00:00:00Z", v1ua, v1ru},
		{"v2 in force: 26 March", 6, "2025-03-26T00:00:00Z", v2, v2},
		{"v2 signed, its window not yet open: Russia keeps v1", 6, "2025-03-24T00:00:00Z", nil, v1ruUntilV2},
		{"v2 signed: 20 March", 6, "2025-03-20T00:00:00Z", nil, v1ruUntilV2},
		{"v2 takes over at its start", 6, "2025-03-25T00:00:00Z", v2, v2},
		{"the last second", 6, "2025-04-16T23:59:59Z", v2, v2},
		{"expiry", 6, "2025-04-17T00:00:00Z", nil, nil},
		{"after expiry", 6, "2025-05-01T00:00:00Z", nil, nil},
		{"v1 alone expires too", 3, "2025-04-17T00:00:00Z", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := moratoriumAfter(t, tt.steps)
			at := mustTime(t, tt.at)
			var all []truce.InForce
			for _, p := range []struct {
				party string
				want  *bound
			}{{"ru", tt.ru}, {"ua", tt.ua}} {
				f, ok := m.state.Terms.InForceOf("energy-moratorium", p.party, at)
				all = append(all, m.state.Terms.InForce(p.party, at)...)
				switch {
				case p.want == nil && ok:
					t.Errorf("%s bound by version %d (clauses %v), want none", p.party, f.Version, f.Clauses)
				case p.want == nil:
				case !ok:
					t.Errorf("%s bound by nothing, want version %d", p.party, p.want.version)
				default:
					until := "open-ended"
					if f.Until != nil {
						until = f.Until.UTC().Format(time.RFC3339)
					}
					got := fmt.Sprintf("v%d %s..%s %v", f.Version, f.Since.UTC().Format(time.RFC3339), until, f.Clauses)
					want := fmt.Sprintf("v%d %s..%s %v", p.want.version, p.want.since, p.want.until, p.want.clauses)
					if got != want {
						t.Errorf("%s: got %s, want %s", p.party, got, want)
					}
					if f.Agreement != "energy-moratorium" || f.Party != p.party || f.Terms == nil || f.Terms.Version != f.Version {
						t.Errorf("%s: %+v", p.party, f)
					}
					if (f.Terms.Clause("M1") != nil) != slices.Contains(f.Clauses, "M1") {
						t.Errorf("%s: terms and clause ids disagree on M1", p.party)
					}
				}
			}
			// InForce is InForceOf over every agreement; there is one.
			want := 0
			for _, b := range []*bound{tt.ru, tt.ua} {
				if b != nil {
					want++
				}
			}
			if len(all) != want {
				t.Errorf("InForce gives %d versions, want %d", len(all), want)
			}
		})
	}
}

// TestInForceNeverReturns checks that a version once superseded never
// binds again, even when the version that superseded it expires first,
// and that a version whose window opens later leaves the earlier one in
// force until then.
func TestInForceNeverReturns(t *testing.T) {
	m := newMoratorium(t)
	v1 := agreementV1()
	v1.Window.Until = nil // open-ended
	v2 := agreementV2()   // ends on 17 April
	v3 := agreementV2()
	v3.Version, v3.Supersedes = 3, 2
	v3.Window.From = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	v3.Window.Until = nil
	sign := func(n int, from time.Time) *truce.AgreementSign {
		return &truce.AgreementSign{Agreement: "energy-moratorium", Version: n, AcceptedFrom: from}
	}
	m.must(t, m.us, truce.KindAgreementPropose, t0, &truce.AgreementPropose{Agreement: v1})
	m.must(t, m.ru, truce.KindAgreementSign, t0, sign(1, ruAccepts))
	m.must(t, m.ua, truce.KindAgreementSign, t0, sign(1, uaAccepts))
	m.must(t, m.us, truce.KindAgreementPropose, t0, &truce.AgreementPropose{Agreement: v2})
	m.must(t, m.ru, truce.KindAgreementSign, t0, sign(2, ruAccepts))
	m.must(t, m.ua, truce.KindAgreementSign, t0, sign(2, uaAccepts))
	terms := m.state.Terms
	check := func(at string, want int) {
		t.Helper()
		for _, party := range []string{"ru", "ua"} {
			f, ok := terms.InForceOf("energy-moratorium", party, mustTime(t, at))
			if got := map[bool]int{true: f.Version}[ok]; got != want {
				t.Errorf("%s at %s: version %d, want %d", party, at, got, want)
			}
		}
	}
	check("2025-04-16T00:00:00Z", 2)
	check("2025-04-17T00:00:00Z", 0) // v1's window is still open
	check("2026-01-01T00:00:00Z", 0)

	m.must(t, m.us, truce.KindAgreementPropose, t0, &truce.AgreementPropose{Agreement: v3})
	m.must(t, m.ru, truce.KindAgreementSign, t0, sign(3, ruAccepts))
	m.must(t, m.ua, truce.KindAgreementSign, t0, sign(3, uaAccepts))
	check("2025-03-28T00:00:00Z", 2) // v3 opens on 1 April
	check("2025-04-01T00:00:00Z", 3)
	check("2026-01-01T00:00:00Z", 3)
	f, _ := terms.InForceOf("energy-moratorium", "ru", mustTime(t, "2025-03-28T00:00:00Z"))
	if f.Until == nil || !f.Until.Equal(v3.Window.From) {
		t.Errorf("v2 at 28 March ends %v, want when v3 opens", f.Until)
	}
	periods := formatPeriods(terms.Periods("energy-moratorium"))
	want := "v1 ru 2025-03-18T14:00:00Z..2025-03-25T00:00:00Z\n" +
		"v2 ru 2025-03-25T00:00:00Z..2025-04-01T00:00:00Z\n" +
		"v2 ua 2025-03-25T00:00:00Z..2025-04-01T00:00:00Z\n" +
		"v3 ru 2025-04-01T00:00:00Z..open\n" +
		"v3 ua 2025-04-01T00:00:00Z..open\n"
	if periods != want {
		t.Errorf("Periods:\n%s\nwant:\n%s", periods, want)
	}
}

func TestPeriodsMarch2025(t *testing.T) {
	m := moratoriumAfter(t, 6)
	got := formatPeriods(m.state.Terms.Periods("energy-moratorium"))
	// Ukraine's v1 period would start when v2 takes over: it never binds.
	want := "v1 ru 2025-03-18T14:00:00Z..2025-03-25T00:00:00Z\n" +
		"v2 ru 2025-03-25T00:00:00Z..2025-04-17T00:00:00Z\n" +
		"v2 ua 2025-03-25T00:00:00Z..2025-04-17T00:00:00Z\n"
	if got != want {
		t.Errorf("Periods:\n%s\nwant:\n%s", got, want)
	}
	if p := m.state.Terms.Periods("no-such-agreement"); len(p) != 0 {
		t.Errorf("Periods of a missing agreement: %v", p)
	}
	if got := formatPeriods(moratoriumAfter(t, 2).state.Terms.Periods("energy-moratorium")); got != "" {
		t.Errorf("Periods with one signature:\n%s", got)
	}
}

func formatPeriods(ps []truce.Period) string {
	var b strings.Builder
	for _, p := range ps {
		until := "open"
		if p.Until != nil {
			until = p.Until.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "v%d %s %s..%s\n", p.Version, p.Party, p.From.UTC().Format(time.RFC3339), until)
	}
	return b.String()
}

// TestPeriodsAgreeWithInForce builds random histories of versions, with
// random windows and acceptance times, some versions not signed by every
// party, and checks at many instants that the period Periods gives for a
// party is exactly what InForceOf says.
func TestPeriodsAgreeWithInForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(2025, 3))
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	hour := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	parties := []string{"ru", "ua"}
	for trial := 0; trial < 500; trial++ {
		var vs []truce.AgreementVersion
		for n := 1; n <= 1+rng.IntN(4); n++ {
			a := agreementV1()
			a.Version, a.Supersedes = n, n-1
			from := rng.IntN(60 * 24)
			a.Window.From = hour(from)
			a.Window.Until = nil
			if rng.IntN(4) > 0 {
				u := hour(from + 1 + rng.IntN(40*24))
				a.Window.Until = &u
			}
			v := truce.AgreementVersion{Agreement: a, Index: uint64(n)}
			for _, p := range parties {
				if rng.IntN(6) == 0 {
					continue // not signed by p
				}
				// Acceptance anywhere, even after the window: RestoreTerms
				// takes what a store holds.
				v.Signatures = append(v.Signatures, truce.Acceptance{Party: p, From: hour(rng.IntN(70 * 24))})
			}
			vs = append(vs, v)
		}
		terms := truce.RestoreTerms(vs)
		periods := terms.Periods("energy-moratorium")
		for i := 1; i < len(periods); i++ {
			a, b := periods[i-1], periods[i]
			if a.Version > b.Version || a.Version == b.Version && a.Party >= b.Party {
				t.Fatalf("trial %d: periods out of order: %+v", trial, periods)
			}
		}
		for _, p := range periods {
			if p.Until != nil && !p.Until.After(p.From) {
				t.Fatalf("trial %d: empty period %+v", trial, p)
			}
		}
		for s := 0; s < 200; s++ {
			at := hour(rng.IntN(110 * 24)).Add(time.Duration(rng.IntN(3600)) * time.Second)
			if s%10 == 0 && len(periods) > 0 { // the edges of a period
				p := periods[rng.IntN(len(periods))]
				at = p.From
				if p.Until != nil && s%20 == 0 {
					at = *p.Until
				}
			}
			for _, party := range parties {
				f, ok := terms.InForceOf("energy-moratorium", party, at)
				p, found := periodAt(periods, party, at)
				switch {
				case ok != found:
					t.Fatalf("trial %d, %s at %s: InForceOf says %v (v%d), Periods says %v (%+v)\nversions: %+v", trial, party, at, ok, f.Version, found, p, vs)
				case !ok:
				case f.Version != p.Version || !f.Since.Equal(p.From) || !sameUntil(f.Until, p.Until):
					t.Fatalf("trial %d, %s at %s: InForceOf gives v%d %s..%v, Periods v%d %s..%v", trial, party, at, f.Version, f.Since, f.Until, p.Version, p.From, p.Until)
				case len(f.Clauses) != 5 || f.Clauses[0] != "E1":
					t.Fatalf("trial %d: clauses %v", trial, f.Clauses)
				}
			}
		}
	}
}

// periodAt returns the period of party that contains at.
func periodAt(ps []truce.Period, party string, at time.Time) (truce.Period, bool) {
	var found []truce.Period
	for _, p := range ps {
		if p.Party == party && !at.Before(p.From) && (p.Until == nil || at.Before(*p.Until)) {
			found = append(found, p)
		}
	}
	if len(found) > 1 {
		panic(fmt.Sprintf("periods overlap at %s: %+v", at, found))
	}
	if len(found) == 0 {
		return truce.Period{}, false
	}
	return found[0], true
}

func sameUntil(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// TestVersionsAndSignatures checks what Terms reports about versions and
// their signatures, and that Versions returns copies.
func TestVersionsAndSignatures(t *testing.T) {
	m := moratoriumAfter(t, 5)
	terms := m.state.Terms
	if terms.Version("energy-moratorium", 0) != nil || terms.Version("energy-moratorium", 3) != nil || terms.Version("other", 1) != nil {
		t.Error("Version returns a version that does not exist")
	}
	v1, v2 := terms.Version("energy-moratorium", 1), terms.Version("energy-moratorium", 2)
	if !v1.Signed() || v2.Signed() {
		t.Errorf("Signed: v1 %v, v2 %v", v1.Signed(), v2.Signed())
	}
	// Signatures are kept in party order, whatever the order of signing.
	if len(v1.Signatures) != 2 || v1.Signatures[0].Party != "ru" || v1.Signatures[1].Party != "ua" {
		t.Errorf("v1 signatures: %+v", v1.Signatures)
	}
	if a := v1.Acceptance("ua"); a == nil || !a.From.Equal(uaAccepts) || a.Index != 3 || a.Statement == "" {
		t.Errorf("ua's acceptance of v1: %+v", a)
	}
	if v2.Acceptance("ua") != nil || v1.Acceptance("us") != nil {
		t.Error("Acceptance of a party that has not signed")
	}
	if v2.Index != 4 || v2.Statement == "" || v1.Index != 1 {
		t.Errorf("indexes: v1 %d, v2 %d", v1.Index, v2.Index)
	}
	vs := terms.Versions("energy-moratorium")
	vs[0].Agreement.Title = "changed"
	if terms.Version("energy-moratorium", 1).Agreement.Title == "changed" {
		t.Error("Versions shares its versions with the terms")
	}
	// An acceptance time with an offset is kept in UTC.
	m.must(t, m.ua, truce.KindAgreementSign, t0, &truce.AgreementSign{Agreement: "energy-moratorium", Version: 2, AcceptedFrom: mustTime(t, "2025-03-25T02:00:00+02:00")})
	if a := terms.Version("energy-moratorium", 2).Acceptance("ua"); a.From.Location() != time.UTC || !a.From.Equal(uaAccepts) {
		t.Errorf("ua's acceptance of v2: %v", a.From)
	}
}

// TestRestoreTermsLeavesInputAlone checks that RestoreTerms does not
// reorder the caller's slice.
func TestRestoreTermsLeavesInputAlone(t *testing.T) {
	vs := moratoriumAfter(t, 5).state.Terms.Versions("energy-moratorium")
	reversed := []truce.AgreementVersion{vs[1], vs[0]}
	terms := truce.RestoreTerms(reversed)
	if reversed[0].Agreement.Version != 2 {
		t.Error("RestoreTerms sorted the caller's slice")
	}
	if got := terms.Versions("energy-moratorium"); len(got) != 2 || got[0].Agreement.Version != 1 {
		t.Errorf("restored versions: %+v", got)
	}
	if _, ok := terms.InForceOf("energy-moratorium", "ru", mustTime(t, "2025-03-26T00:00:00Z")); !ok {
		t.Error("restored terms bind nobody on 26 March")
	}
}
