package truce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

func TestBulletins(t *testing.T) {
	m := newMoratorium(t)
	ch := m.must(t, m.us, truce.KindBulletin, t0, &truce.Bulletin{Title: "Talks", Text: "Technical talks on 24 March.", To: []string{"ua", "ru"}, AckRequested: true})
	b := ch.Bulletins[0]
	if !b.Addressed("ua") || b.Addressed("us") || b.Addressed("smm") || b.Acked("ua") {
		t.Errorf("addressed ua %v, us %v, smm %v; acked ua %v", b.Addressed("ua"), b.Addressed("us"), b.Addressed("smm"), b.Acked("ua"))
	}
	ack := &truce.BulletinAck{Bulletin: b.ID, Text: "Received."}
	ch = m.must(t, m.ua, truce.KindBulletinAck, t0.Add(time.Hour), ack)
	if got := ch.Bulletins[0]; len(got.Acks) != 1 || got.Acks[0].Member != "ua" || !got.Acked("ua") {
		t.Errorf("after ua's ack: %+v", got.Acks)
	}
	if len(b.Acks) != 0 {
		t.Errorf("the first change's copy changed with the state: %+v", b.Acks)
	}
	_, err := m.submit(t, m.ua, truce.KindBulletinAck, t0.Add(2*time.Hour), ack)
	wantError(t, "a second ack", err, truce.ECONFLICT, "already acknowledged")
	_, err = m.submit(t, m.smm, truce.KindBulletinAck, t0.Add(2*time.Hour), ack)
	wantError(t, "an ack by a member not addressed", err, truce.EFORBIDDEN, "not addressed")
	_, err = m.submit(t, m.ru, truce.KindBulletinAck, t0, &truce.BulletinAck{Bulletin: strings.Repeat("0", 64)})
	wantError(t, "an ack of an unknown bulletin", err, truce.ENOTFOUND, "not in the log")
	_, err = m.submit(t, m.osint, truce.KindBulletin, t0, &truce.Bulletin{Title: "T", Text: "x"})
	wantError(t, "a bulletin by a source", err, truce.EFORBIDDEN, "source")
	_, err = m.submit(t, m.us, truce.KindBulletin, t0, &truce.Bulletin{Title: "T", Text: "x", To: []string{"osint"}})
	wantError(t, "a bulletin to a source", err, truce.EINVALID, "osint")
	_, err = m.submit(t, m.us, truce.KindBulletin, t0, &truce.Bulletin{Title: "T", Text: "x", To: []string{"us"}})
	wantError(t, "a bulletin to its author", err, truce.EINVALID, "author")
	_, err = m.submit(t, m.us, truce.KindBulletin, t0, &truce.Bulletin{Title: "T", Text: "x", To: []string{"nobody"}})
	wantError(t, "a bulletin to a stranger", err, truce.EINVALID, "nobody")
}

func TestProcessBodiesValidate(t *testing.T) {
	id := strings.Repeat("ab", 32)
	until := t0.Add(-time.Hour)
	for _, c := range []struct {
		name string
		body interface{ Validate() error }
		want string // "" if valid
	}{
		{"response", &truce.Response{Incident: id, Stance: truce.StanceDeny, Text: "No."}, ""},
		{"response without text", &truce.Response{Incident: id, Stance: truce.StanceDeny}, "text"},
		{"response to no incident", &truce.Response{Incident: "x", Stance: truce.StanceDeny, Text: "No."}, "incident"},
		{"response to an uppercase id", &truce.Response{Incident: strings.ToUpper(id), Stance: truce.StanceDeny, Text: "No."}, "incident"},
		{"unknown stance", &truce.Response{Incident: id, Stance: "maybe", Text: "No."}, "stance"},
		{"counter-claim without actor", &truce.Response{Incident: id, Stance: truce.StanceCounterClaim, Text: "They did."}, "actor"},
		{"actor without counter-claim", &truce.Response{Incident: id, Stance: truce.StanceDeny, Actor: "ru", Text: "No."}, "actor"},
		{"bad evidence", &truce.Response{Incident: id, Stance: truce.StanceDeny, Text: "No.", Evidence: []truce.Evidence{{SHA256: "00", MediaType: "image/jpeg"}}}, "sha256"},
		{"determination", &truce.Determination{Incident: id, Finding: truce.FindingBreach, Party: "ru", Clauses: []string{"E1"}, Text: "Reasons."}, ""},
		{"breach without party", &truce.Determination{Incident: id, Finding: truce.FindingBreach, Text: "Reasons."}, "party"},
		{"party without breach", &truce.Determination{Incident: id, Finding: truce.FindingNoBreach, Party: "ru", Text: "Reasons."}, "party"},
		{"unknown finding", &truce.Determination{Incident: id, Finding: "guilty", Text: "Reasons."}, "finding"},
		{"clause twice", &truce.Determination{Incident: id, Finding: truce.FindingInconclusive, Clauses: []string{"E1", "E1"}, Text: "Reasons."}, "twice"},
		{"bad clause id", &truce.Determination{Incident: id, Finding: truce.FindingInconclusive, Clauses: []string{"E 1"}, Text: "Reasons."}, "clause"},
		{"determination without reasons", &truce.Determination{Incident: id, Finding: truce.FindingInconclusive}, "text"},
		{"bulletin", &truce.Bulletin{Title: "T", Text: "x", Window: &truce.Span{From: t0}}, ""},
		{"bulletin without title", &truce.Bulletin{Text: "x"}, "title"},
		{"bulletin window backwards", &truce.Bulletin{Title: "T", Text: "x", Window: &truce.Span{From: t0, Until: &until}}, "window.until"},
		{"bulletin to a member twice", &truce.Bulletin{Title: "T", Text: "x", To: []string{"ua", "ua"}}, "twice"},
		{"ack", &truce.BulletinAck{Bulletin: id}, ""},
		{"ack of nothing", &truce.BulletinAck{Bulletin: ""}, "bulletin"},
		{"policy", &truce.DeterminerPolicy{Requires: []truce.RoleCount{{Role: truce.RoleMediator, Count: 1}}}, ""},
		{"empty policy", &truce.DeterminerPolicy{}, "no role"},
		{"a party determines", &truce.DeterminerPolicy{Requires: []truce.RoleCount{{Role: truce.RoleParty, Count: 1}}}, "cannot determine"},
		{"no count", &truce.DeterminerPolicy{Requires: []truce.RoleCount{{Role: truce.RoleMonitor}}}, "count"},
	} {
		err := c.body.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (truce.ErrorCode(err) != truce.EINVALID || !strings.Contains(truce.ErrorMessage(err), c.want)):
			t.Errorf("%s: error %v, want one about %q", c.name, err, c.want)
		}
	}
}

func TestDeterminerPolicyMet(t *testing.T) {
	both := &truce.DeterminerPolicy{Requires: []truce.RoleCount{{Role: truce.RoleMediator, Count: 1}, {Role: truce.RoleMonitor, Count: 2}}}
	for _, c := range []struct {
		p     *truce.DeterminerPolicy
		roles []truce.Role
		want  bool
	}{
		{nil, nil, false},
		{nil, []truce.Role{truce.RoleMonitor}, true},
		{both, []truce.Role{truce.RoleMediator, truce.RoleMonitor}, false},
		{both, []truce.Role{truce.RoleMonitor, truce.RoleMediator, truce.RoleMonitor}, true},
		{both, []truce.Role{truce.RoleMonitor, truce.RoleMonitor}, false},
	} {
		if got := c.p.Met(c.roles); got != c.want {
			t.Errorf("%v met by %v = %v, want %v", c.p, c.roles, got, c.want)
		}
	}
}
