package truce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// plant returns a thermal power plant controlled by controller.
func plant(id, controller string) truce.Site {
	return truce.Site{
		ID: id, Name: "Plant " + id, Category: "energy.generation.thermal",
		Geometry: truce.NewPoint(35.1, 48.5), Controller: controller,
		Source: "WRI Global Power Plant Database v1.3.0", SourceRow: id,
		Attributes: map[string]string{"capacity_mw": "1200"},
	}
}

func TestSiteDeclare(t *testing.T) {
	m := newMoratorium(t)
	declare := func(by *truce.Signer, s truce.Site) (truce.Change, error) {
		return m.submit(t, by, truce.KindSiteDeclare, t0, &truce.SiteDeclare{Site: s})
	}
	mine := plant("gppd:UKR0001", "ua")
	ch, err := declare(m.ua, mine)
	if err != nil {
		t.Fatalf("a party declares its own site: %v", err)
	}
	if len(ch.Sites) != 1 || ch.Sites[0].Status != truce.SiteDeclared || ch.Sites[0].DeclaredBy != "ua" ||
		ch.Sites[0].Hash != mine.Hash() || len(ch.SiteEvents) != 1 || ch.SiteEvents[0].Summary != "declared" {
		t.Errorf("change of a new site: %+v", ch)
	}
	_, err = declare(m.ua, plant("gppd:RUS0001", "ru"))
	wantError(t, "a party declares a site it does not control", err, truce.EFORBIDDEN, `"ua"`, "controls")
	checkMessage(t, err)

	if _, err := declare(m.ru, plant("gppd:RUS0001", "ru")); err != nil {
		t.Fatalf("ru declares its own site: %v", err)
	}
	// ua claims Russia's site as its own.
	_, err = declare(m.ua, plant("gppd:RUS0001", "ua"))
	wantError(t, "a party redeclares a site of the other party", err, truce.EFORBIDDEN, "gppd:RUS0001", `"ru"`)
	checkMessage(t, err)

	// The mediator declares, and redeclares, any party's site.
	if _, err := declare(m.us, plant("gppd:RUS0002", "ru")); err != nil {
		t.Errorf("the mediator declares ru's site: %v", err)
	}
	ch, err = declare(m.us, plant("gppd:RUS0001", "ua"))
	if err != nil || ch.SiteEvents[0].Summary != "updated: controller" {
		t.Errorf("the mediator moves a site to ua: %v %+v", err, ch.SiteEvents)
	}
	_, err = declare(m.us, plant("gppd:XXX0001", "us"))
	wantError(t, "the mediator as controller", err, truce.EINVALID, `"us"`, "not a party")
	_, err = declare(m.us, plant("gppd:XXX0001", "smm"))
	wantError(t, "a monitor as controller", err, truce.EINVALID, `"smm"`, "not a party")
	_, err = declare(m.ua, plant("gppd:XXX0001", "md"))
	wantError(t, "a controller not in the charter", err, truce.EINVALID, `"md"`, "not a party")
	checkMessage(t, err)

	if n := m.state.Registry.Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
	var ids []string
	for _, s := range m.state.Registry.Sites() {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, " ") != "gppd:RUS0001 gppd:RUS0002 gppd:UKR0001" {
		t.Errorf("Sites() = %v", ids)
	}
	if m.state.Registry.Site("gppd:XXX0001") != nil {
		t.Error("a refused site is in the registry")
	}
}

func TestSiteValidate(t *testing.T) {
	m := newMoratorium(t)
	tests := []struct {
		name   string
		edit   func(s *truce.Site)
		fields []string
	}{
		{"bad id", func(s *truce.Site) { s.ID = "gppd UKR" }, []string{"Site id"}},
		{"no name", func(s *truce.Site) { s.Name = "" }, []string{"name"}},
		{"unknown category", func(s *truce.Site) { s.Category = "energy.coal" }, []string{"unknown category", "energy.coal"}},
		{"no geometry", func(s *truce.Site) { s.Geometry = truce.Geometry{} }, []string{"eometry"}},
		{"latitude out of range", func(s *truce.Site) { s.Geometry = truce.NewPoint(35, 91) }, []string{"Latitude 91"}},
		{"open ring", func(s *truce.Site) {
			s.Geometry = truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{{{35, 48}, {36, 48}, {36, 49}, {35, 49}}}}}
		}, []string{"closed"}},
		{"bad controller", func(s *truce.Site) { s.Controller = "UA" }, []string{"controller"}},
		{"operator with a control character", func(s *truce.Site) { s.Operator = "a\x1bb" }, []string{"operator"}},
		{"too many attributes", func(s *truce.Site) {
			for _, k := range strings.Split("a b c d e f g h i j k l m n o p q", " ") {
				s.Attributes[k] = k
			}
		}, []string{"attributes"}},
		{"empty attribute name", func(s *truce.Site) { s.Attributes[""] = "x" }, []string{"attribute name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := plant("gppd:UKR0001", "ua")
			tt.edit(&s)
			wantError(t, "Validate", s.Validate(), truce.EINVALID, tt.fields...)
			_, err := m.submit(t, m.ua, truce.KindSiteDeclare, t0, &truce.SiteDeclare{Site: s})
			wantError(t, "site.declare", err, truce.EINVALID, tt.fields...)
		})
	}
}

func TestSiteBatch(t *testing.T) {
	m := newMoratorium(t)
	batch := func(by *truce.Signer, sites ...truce.Site) (truce.Change, error) {
		return m.submit(t, by, truce.KindSiteBatch, t0, &truce.SiteBatch{Sites: sites})
	}
	_, err := batch(m.us, plant("gppd:UKR0001", "ua"), plant("gppd:RUS0001", "ru"), plant("gppd:UKR0001", "ua"))
	wantError(t, "a duplicate id", err, truce.EINVALID, "gppd:UKR0001", "twice")
	checkMessage(t, err)
	_, err = batch(m.us)
	wantError(t, "an empty batch", err, truce.EINVALID, "batch")
	// One site of another party spoils a party's whole batch.
	_, err = batch(m.ua, plant("gppd:UKR0001", "ua"), plant("gppd:RUS0001", "ru"))
	wantError(t, "ua's batch with a Russian site", err, truce.EFORBIDDEN, "gppd:RUS0001")
	if m.state.Registry.Len() != 0 {
		t.Fatal("a refused batch declared sites")
	}
	ch, err := batch(m.us, plant("gppd:UKR0001", "ua"), plant("gppd:RUS0001", "ru"))
	if err != nil || len(ch.Sites) != 2 || len(ch.SiteEvents) != 2 || ch.SiteEvents[1].Kind != truce.KindSiteBatch {
		t.Fatalf("the mediator's batch: %v %+v", err, ch)
	}
	changed := plant("gppd:UKR0001", "ua")
	changed.Name = "Renamed"
	ch, err = batch(m.ua, changed, plant("gppd:UKR0002", "ua"))
	if err != nil || ch.SiteEvents[0].Summary != "updated: name" || ch.SiteEvents[1].Summary != "declared" {
		t.Errorf("ua's batch: %v %+v", err, ch.SiteEvents)
	}
}

func TestSiteHistory(t *testing.T) {
	m := newMoratorium(t)
	declared := t0
	s := plant("gppd:UKR0001", "ua")
	m.must(t, m.ua, truce.KindSiteDeclare, declared, &truce.SiteDeclare{Site: s})

	ch := m.must(t, m.ua, truce.KindSiteDeclare, declared.Add(time.Hour), &truce.SiteDeclare{Site: s})
	if ev := ch.SiteEvents[0]; ev.Summary != "declared again, unchanged" || ch.Sites[0].UpdatedAt != 2 || ch.Sites[0].DeclaredAt != 1 {
		t.Errorf("declared again: %+v %+v", ev, ch.Sites[0])
	}
	moved := s
	moved.Geometry = truce.NewPoint(35.2, 48.5)
	ch = m.must(t, m.ua, truce.KindSiteDeclare, declared.Add(2*time.Hour), &truce.SiteDeclare{Site: moved})
	if ev := ch.SiteEvents[0]; ev.Summary != "updated: geometry" || ev.Signer != "ua" || ev.Index != 3 || ev.Statement == "" {
		t.Errorf("update: %+v", ev)
	}
	if got := m.state.Registry.Site(s.ID); got.Hash != moved.Hash() || got.Hash == s.Hash() || !got.Since.Equal(declared) {
		t.Errorf("after the update: %+v", got)
	}
	several := moved
	several.Name, several.Category, several.Operator, several.SourceRow = "New name", "energy.generation.solar", "Centrenergo", "row 2"
	ch = m.must(t, m.us, truce.KindSiteDeclare, declared.Add(3*time.Hour), &truce.SiteDeclare{Site: several})
	if got := ch.SiteEvents[0].Summary; got != "updated: name, category, operator, source" {
		t.Errorf("several changes: %q", got)
	}
	attrs := several
	attrs.Attributes = map[string]string{"capacity_mw": "1300"}
	if got := m.must(t, m.ua, truce.KindSiteDeclare, declared, &truce.SiteDeclare{Site: attrs}).SiteEvents[0].Summary; got != "updated: attributes" {
		t.Errorf("attributes changed: %q", got)
	}

	// Disputes: not by the controller; by the other party.
	_, err := m.submit(t, m.ua, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: s.ID, Grounds: truce.DisputeNotCivilian, Reason: "No."})
	wantError(t, "dispute by the controller", err, truce.EFORBIDDEN, `"ua"`, "controls")
	_, err = m.submit(t, m.ru, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: "gppd:NONE", Grounds: truce.DisputeNotCivilian, Reason: "No."})
	wantError(t, "dispute of a missing site", err, truce.ENOTFOUND, "gppd:NONE")
	_, err = m.submit(t, m.ru, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: s.ID, Grounds: truce.DisputeCategory, Reason: "No."})
	wantError(t, "dispute of category without one", err, truce.EINVALID, "category")
	_, err = m.submit(t, m.ru, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: s.ID, Grounds: "hostile", Reason: "No."})
	wantError(t, "unknown grounds", err, truce.EINVALID, "grounds")
	ch = m.must(t, m.ru, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: s.ID, Grounds: truce.DisputeCategory, Category: "energy.oil.storage", Reason: "It stores fuel."})
	if ch.Sites[0].Status != truce.SiteDisputed || ch.SiteEvents[0].Summary != "disputed (category): It stores fuel." || ch.Sites[0].UpdatedAt != ch.SiteEvents[0].Index {
		t.Errorf("dispute: %+v", ch)
	}
	// Declared again unchanged, a disputed site stays disputed.
	if ch := m.must(t, m.ua, truce.KindSiteDeclare, t0, &truce.SiteDeclare{Site: attrs}); ch.Sites[0].Status != truce.SiteDisputed {
		t.Errorf("redeclared: status %s", ch.Sites[0].Status)
	}

	// Retirement: by the controller or the mediator, not the other party,
	// and once.
	retire := func(by *truce.Signer, at time.Time) (truce.Change, error) {
		return m.submit(t, by, truce.KindSiteRetire, at, &truce.SiteRetire{Site: s.ID, Reason: "Decommissioned."})
	}
	_, err = retire(m.ru, t0)
	wantError(t, "retire by the other party", err, truce.EFORBIDDEN, `"ua"`)
	checkMessage(t, err)
	_, err = m.submit(t, m.ua, truce.KindSiteRetire, t0, &truce.SiteRetire{Site: s.ID})
	wantError(t, "retire without a reason", err, truce.EINVALID, "reason")
	retiredAt := declared.Add(24 * time.Hour)
	ch, err = retire(m.ua, retiredAt)
	if err != nil || ch.Sites[0].Status != truce.SiteRetired || ch.SiteEvents[0].Summary != "retired: Decommissioned." {
		t.Fatalf("retire by the controller: %v %+v", err, ch)
	}
	_, err = retire(m.us, retiredAt)
	wantError(t, "retire twice", err, truce.ECONFLICT, "already retired")
	_, err = m.submit(t, m.ru, truce.KindSiteDispute, t0, &truce.SiteDispute{Site: s.ID, Grounds: truce.DisputeNotExisting, Reason: "Gone."})
	wantError(t, "dispute of a retired site", err, truce.ECONFLICT, "retired")

	got := m.state.Registry.Site(s.ID)
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{declared.Add(-time.Second), false},
		{declared, true},
		{retiredAt.Add(-time.Second), true},
		{retiredAt, false},
		{retiredAt.Add(time.Hour), false},
	} {
		if got.ActiveAt(c.at) != c.want {
			t.Errorf("ActiveAt(%s) = %v, want %v", c.at, !c.want, c.want)
		}
	}

	// The mediator retires a site of a party; declared again, it is
	// protected from then on.
	other := plant("gppd:RUS0001", "ru")
	m.must(t, m.ru, truce.KindSiteDeclare, t0, &truce.SiteDeclare{Site: other})
	if _, err := m.submit(t, m.us, truce.KindSiteRetire, t0.Add(time.Hour), &truce.SiteRetire{Site: other.ID, Reason: "Not civilian."}); err != nil {
		t.Errorf("retire by the mediator: %v", err)
	}
	back := t0.Add(48 * time.Hour)
	ch = m.must(t, m.ru, truce.KindSiteDeclare, back, &truce.SiteDeclare{Site: other})
	if ss := ch.Sites[0]; ch.SiteEvents[0].Summary != "declared again after retirement" || ss.Status != truce.SiteDeclared || ss.RetiredSince != nil || !ss.ActiveAt(back) || ss.ActiveAt(back.Add(-time.Second)) {
		t.Errorf("declared after retirement: %+v %+v", ch.SiteEvents[0], ss)
	}
}

func TestSiteHash(t *testing.T) {
	a, b := plant("gppd:UKR0001", "ua"), plant("gppd:UKR0001", "ua")
	if a.Hash() != b.Hash() || len(a.Hash()) != 64 {
		t.Errorf("equal sites hash to %s and %s", a.Hash(), b.Hash())
	}
	// Attributes are a map: their order must not matter.
	for i := 0; i < 20; i++ {
		c := plant("gppd:UKR0001", "ua")
		c.Attributes = map[string]string{"z": "1", "a": "2", "m": "3", "capacity_mw": "1200"}
		d := plant("gppd:UKR0001", "ua")
		d.Attributes = map[string]string{"capacity_mw": "1200", "m": "3", "a": "2", "z": "1"}
		if c.Hash() != d.Hash() {
			t.Fatal("the hash depends on the order of attributes")
		}
	}
	b.Geometry = truce.NewPoint(35.1, 48.50001)
	if a.Hash() == b.Hash() {
		t.Error("a moved site hashes the same")
	}
}
