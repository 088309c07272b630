package truce_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// moratorium is a deployment with the member ids of the demo agreement
// files: the parties ua and ru, the mediator us, the monitor smm and the
// source osint. Its State is built from signed statements, so that every
// test goes through ParseStatement, State.Check and State.Apply.
type moratorium struct {
	ua, ru, us, smm, osint *truce.Signer
	state                  *truce.State
	next                   uint64 // the log index of the next statement
}

// newMoratorium returns a deployment whose log holds its charter, signed
// by ua. Its keys are the same on every run.
func newMoratorium(t testing.TB) *moratorium {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{'m', 'o', 'r', 'a', 't', 'o', 'r', 'i', 'u', 'm'})
	gen := func(id string) *truce.Signer {
		s, err := truce.GenerateSigner(id, rng)
		if err != nil {
			t.Fatal(err)
		}
		s.Log = origin
		return s
	}
	m := &moratorium{ua: gen("ua"), ru: gen("ru"), us: gen("us"), smm: gen("smm"), osint: gen("osint"), state: truce.NewState(origin)}
	m.must(t, m.ua, truce.KindCharter, t0, &truce.Charter{
		Name: "Moratorium on strikes against energy infrastructure, March 2025",
		Members: []truce.Member{
			member("ua", truce.RoleParty, "Ukraine", m.ua),
			member("ru", truce.RoleParty, "Russian Federation", m.ru),
			member("us", truce.RoleMediator, "United States technical team", m.us),
			member("smm", truce.RoleMonitor, "Monitoring mission", m.smm),
			member("osint", truce.RoleSource, "Open-source investigators", m.osint),
		},
	})
	return m
}

// submit signs body as a statement of kind by s, checks it against the
// state and applies it if the state accepts it. It returns the error of
// truce.Sign (the statement is malformed) or of State.Check.
func (m *moratorium) submit(t testing.TB, s *truce.Signer, kind truce.Kind, at time.Time, body any) (truce.Change, error) {
	t.Helper()
	st, err := truce.Sign(s, origin, kind, at, body)
	if err != nil {
		return truce.Change{}, err
	}
	if err := m.state.Check(st); err != nil {
		return truce.Change{}, err
	}
	ch := m.state.Apply(st, m.next)
	m.next++
	return ch, nil
}

// must is submit for a statement the state must accept.
func (m *moratorium) must(t testing.TB, s *truce.Signer, kind truce.Kind, at time.Time, body any) truce.Change {
	t.Helper()
	ch, err := m.submit(t, s, kind, at, body)
	if err != nil {
		t.Fatalf("%s by %s: %v", kind, s.Member, err)
	}
	return ch
}

// wantError fails the test unless err has code and its message contains
// every one of words, e.g. the field it names.
func wantError(t testing.TB, what string, err error, code string, words ...string) {
	t.Helper()
	if got := truce.ErrorCode(err); got != code {
		t.Errorf("%s: error %v, want code %s", what, err, code)
		return
	}
	for _, w := range words {
		if !strings.Contains(truce.ErrorMessage(err), w) {
			t.Errorf("%s: message %q does not mention %q", what, truce.ErrorMessage(err), w)
		}
	}
}

// mustTime parses an RFC 3339 time.
func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestStateRoles(t *testing.T) {
	m := newMoratorium(t)
	v1 := agreementV1()
	site := plant("gppd:UKR0001", "ua")
	tests := []struct {
		name string
		by   *truce.Signer
		kind truce.Kind
		body any
		code string
	}{
		{"a party proposes", m.ua, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: v1}, truce.EFORBIDDEN},
		{"a monitor proposes", m.smm, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: v1}, truce.EFORBIDDEN},
		{"a source proposes", m.osint, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: v1}, truce.EFORBIDDEN},
		{"a monitor declares a site", m.smm, truce.KindSiteDeclare, &truce.SiteDeclare{Site: site}, truce.EFORBIDDEN},
		{"a source declares a batch", m.osint, truce.KindSiteBatch, &truce.SiteBatch{Sites: []truce.Site{site}}, truce.EFORBIDDEN},
		{"the mediator disputes a site", m.us, truce.KindSiteDispute, &truce.SiteDispute{Site: site.ID, Grounds: truce.DisputeLocation, Reason: "Elsewhere."}, truce.EFORBIDDEN},
		{"a monitor retires a site", m.smm, truce.KindSiteRetire, &truce.SiteRetire{Site: site.ID, Reason: "Gone."}, truce.EFORBIDDEN},
		{"a key signing for another member", as(m.ru, "ua"), truce.KindSiteDeclare, &truce.SiteDeclare{Site: site}, truce.EFORBIDDEN},
		{"a stranger", as(m.ru, "nobody"), truce.KindSiteDeclare, &truce.SiteDeclare{Site: site}, truce.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.submit(t, tt.by, tt.kind, t0, tt.body)
			wantError(t, tt.name, err, tt.code)
			checkMessage(t, err)
		})
	}
	// Nothing refused changed the state.
	if len(m.state.Terms.Agreements()) != 0 || m.state.Registry.Len() != 0 {
		t.Errorf("refused statements changed the state: %v, %d sites", m.state.Terms.Agreements(), m.state.Registry.Len())
	}
}

// TestStateCheckDoesNotApply checks that State.Check leaves the state as
// it was: a statement checked twice is accepted twice.
func TestStateCheckDoesNotApply(t *testing.T) {
	m := newMoratorium(t)
	st, err := truce.Sign(m.us, origin, truce.KindAgreementPropose, t0, &truce.AgreementPropose{Agreement: agreementV1()})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := m.state.Check(st); err != nil {
			t.Fatalf("check %d: %v", i, err)
		}
	}
	if v := m.state.Terms.Version("energy-moratorium", 1); v != nil {
		t.Errorf("Check recorded a version: %+v", v)
	}
}

// TestRestoreDecidesIdentically persists the terms and the registry of a
// deployment as JSON, restores them, and checks that the restored state
// decides every statement of a list as the original does.
func TestRestoreDecidesIdentically(t *testing.T) {
	m := newMoratorium(t)
	signMoratorium(t, m)
	m.must(t, m.ua, truce.KindSiteDeclare, t0, &truce.SiteDeclare{Site: plant("gppd:UKR0001", "ua")})
	m.must(t, m.ru, truce.KindSiteDeclare, t0, &truce.SiteDeclare{Site: plant("gppd:RUS0001", "ru")})
	m.must(t, m.us, truce.KindSiteBatch, t0, &truce.SiteBatch{Sites: []truce.Site{plant("gppd:UKR0002", "ua"), plant("gppd:RUS0002", "ru")}})
	m.must(t, m.ua, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: "gppd:RUS0002", Grounds: truce.DisputeNotCivilian, Reason: "It hosts a radar."})
	m.must(t, m.ru, truce.KindSiteRetire, t0.Add(time.Hour), &truce.SiteRetire{Site: "gppd:RUS0001", Reason: "Decommissioned."})

	var persisted struct {
		Versions []truce.AgreementVersion
		Sites    []truce.SiteState
	}
	for _, id := range m.state.Terms.Agreements() {
		persisted.Versions = append(persisted.Versions, m.state.Terms.Versions(id)...)
	}
	persisted.Sites = m.state.Registry.Sites()
	data, err := json.Marshal(persisted)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &persisted); err != nil {
		t.Fatal(err)
	}
	restored := &moratorium{ua: m.ua, ru: m.ru, us: m.us, smm: m.smm, osint: m.osint, state: truce.NewState(origin)}
	restored.state.Authority = m.state.Authority
	restored.state.Terms = truce.RestoreTerms(persisted.Versions)
	restored.state.Registry = truce.RestoreRegistry(persisted.Sites)

	// What the restored state holds is what the original holds.
	for _, pair := range [][2]any{
		{m.state.Terms.Versions("energy-moratorium"), restored.state.Terms.Versions("energy-moratorium")},
		{m.state.Terms.Periods("energy-moratorium"), restored.state.Terms.Periods("energy-moratorium")},
		{m.state.Registry.Sites(), restored.state.Registry.Sites()},
	} {
		a, _ := json.Marshal(pair[0])
		b, _ := json.Marshal(pair[1])
		if string(a) != string(b) {
			t.Errorf("restored state differs:\n%s\n%s", a, b)
		}
	}

	v3 := agreementV2()
	v3.Version, v3.Supersedes = 3, 2
	reused := agreementV2()
	reused.Version, reused.Supersedes = 3, 2
	reused.Clauses[0].Text = "Other words."
	moved := plant("gppd:UKR0001", "ua")
	moved.Geometry = truce.NewPoint(30.5, 50.5)
	statements := []struct {
		by   func(*moratorium) *truce.Signer
		kind truce.Kind
		body any
	}{
		{func(m *moratorium) *truce.Signer { return m.us }, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: agreementV2()}},
		{func(m *moratorium) *truce.Signer { return m.us }, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: reused}},
		{func(m *moratorium) *truce.Signer { return m.ua }, truce.KindAgreementSign, &truce.AgreementSign{Agreement: "energy-moratorium", Version: 2, AcceptedFrom: t0}},
		{func(m *moratorium) *truce.Signer { return m.ua }, truce.KindAgreementSign, &truce.AgreementSign{Agreement: "energy-moratorium", Version: 3, AcceptedFrom: t0}},
		{func(m *moratorium) *truce.Signer { return m.ru }, truce.KindSiteDeclare, &truce.SiteDeclare{Site: moved}},
		{func(m *moratorium) *truce.Signer { return m.ua }, truce.KindSiteDeclare, &truce.SiteDeclare{Site: moved}},
		{func(m *moratorium) *truce.Signer { return m.ua }, truce.KindSiteRetire, &truce.SiteRetire{Site: "gppd:RUS0002", Reason: "Not ours."}},
		{func(m *moratorium) *truce.Signer { return m.ru }, truce.KindSiteRetire, &truce.SiteRetire{Site: "gppd:RUS0001", Reason: "Again."}},
		{func(m *moratorium) *truce.Signer { return m.ru }, truce.KindSiteDispute, &truce.SiteDispute{Site: "gppd:RUS0001", Grounds: truce.DisputeLocation, Reason: "Retired."}},
		{func(m *moratorium) *truce.Signer { return m.ru }, truce.KindSiteDispute, &truce.SiteDispute{Site: "gppd:UKR0002", Grounds: truce.DisputeNotExisting, Reason: "There is nothing there."}},
		{func(m *moratorium) *truce.Signer { return m.us }, truce.KindAgreementPropose, &truce.AgreementPropose{Agreement: v3}},
	}
	for i, s := range statements {
		st, err := truce.Sign(s.by(m), origin, s.kind, t0, s.body)
		if err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
		a, b := m.state.Check(st), restored.state.Check(st)
		if truce.ErrorCode(a) != truce.ErrorCode(b) || truce.ErrorMessage(a) != truce.ErrorMessage(b) {
			t.Errorf("statement %d (%s): original says %v, restored says %v", i, s.kind, a, b)
		}
	}
}
