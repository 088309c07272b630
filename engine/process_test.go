package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// mediatorAndMonitor is a charter policy under which a determination takes
// effect once the mediator and one monitor agree.
func mediatorAndMonitor(c *truce.Charter) {
	c.Determiners = &truce.DeterminerPolicy{Requires: []truce.RoleCount{{Role: truce.RoleMediator, Count: 1}, {Role: truce.RoleMonitor, Count: 1}}}
}

var photo = []truce.Evidence{{SHA256: strings.Repeat("ab", 32), MediaType: "image/jpeg"}}

// move is one statement of a process scenario; err is the code it must be
// refused with, or "".
type move struct {
	by   string
	kind truce.Kind
	body func(incident string) any
	// after is how long after the report the statement is made.
	after time.Duration
	err   string
}

func respond(by string, stance truce.Stance, evidence []truce.Evidence, after time.Duration) move {
	return move{by: by, kind: truce.KindResponse, after: after, body: func(id string) any {
		r := &truce.Response{Incident: id, Stance: stance, Text: "Our reply.", Evidence: evidence}
		if stance == truce.StanceCounterClaim {
			r.Actor = "unidentified"
		}
		return r
	}}
}

func determine(by string, f truce.Finding, party string, publish bool) move {
	return move{by: by, kind: truce.KindDetermination, after: 48 * time.Hour, body: func(id string) any {
		return &truce.Determination{Incident: id, Finding: f, Party: party, Clauses: []string{"E1"}, Publish: publish, Text: "Reasons."}
	}}
}

func refused(s move, code string) move { s.err = code; return s }

func TestProcess(t *testing.T) {
	mar20 := time.Date(2025, 3, 20, 3, 0, 0, 0, time.UTC)
	near := north(nppLat, 500)
	for _, c := range []struct {
		name    string
		policy  func(*truce.Charter)
		accused []string
		steps   []move
		status  truce.IncidentStatus
		grade   truce.Grade
		late    []bool   // of each response
		finding string   // "finding/party/publish", or "" for none
		by      []string // the agreeing determiners
	}{
		{name: "notified, no reply yet", accused: []string{"ru"}, status: truce.StatusAwaitingReply, grade: truce.GradeSingle},
		{name: "nobody accused", status: truce.StatusOpen, grade: truce.GradeSingle},
		{
			name: "denied with evidence", accused: []string{"ru"},
			steps:  []move{respond("ru", truce.StanceDeny, photo, time.Hour)},
			status: truce.StatusReplied, grade: truce.GradeContested, late: []bool{false},
		},
		{
			name: "denied without evidence", accused: []string{"ru"},
			steps:  []move{respond("ru", truce.StanceDeny, nil, time.Hour)},
			status: truce.StatusReplied, grade: truce.GradeSingle, late: []bool{false},
		},
		{
			name: "a reply after the deadline is late", accused: []string{"ru"},
			steps:  []move{respond("ru", truce.StanceCounterClaim, nil, 100*time.Hour)},
			status: truce.StatusReplied, grade: truce.GradeSingle, late: []bool{true},
		},
		{
			name: "only an accused party may reply", accused: []string{"ru"},
			steps:  []move{refused(respond("ua", truce.StanceAcknowledge, nil, time.Hour), truce.EFORBIDDEN)},
			status: truce.StatusAwaitingReply, grade: truce.GradeSingle,
		},
		{
			name: "a monitor cannot reply", accused: []string{"ru"},
			steps:  []move{refused(respond("osce", truce.StanceAcknowledge, nil, time.Hour), truce.EFORBIDDEN)},
			status: truce.StatusAwaitingReply, grade: truce.GradeSingle,
		},
		{
			name: "a party cannot determine", accused: []string{"ru"},
			steps:  []move{refused(determine("ua", truce.FindingBreach, "ru", true), truce.EFORBIDDEN)},
			status: truce.StatusAwaitingReply, grade: truce.GradeSingle,
		},
		{
			name: "a breach attributed to a member that is not a party", accused: []string{"ru"},
			steps:  []move{refused(determine("us", truce.FindingBreach, "osce", true), truce.EINVALID)},
			status: truce.StatusAwaitingReply, grade: truce.GradeSingle,
		},
		{
			name: "one mediator decides by default", accused: []string{"ru"},
			steps:  []move{determine("us", truce.FindingBreach, "ru", true)},
			status: truce.StatusPublished, grade: truce.GradeSingle, finding: "breach/ru/true", by: []string{"us"},
		},
		{
			name: "determined but not for publication", accused: []string{"ru"},
			steps:  []move{determine("osce", truce.FindingInconclusive, "", false)},
			status: truce.StatusDetermined, grade: truce.GradeSingle, finding: "inconclusive//false", by: []string{"osce"},
		},
		{
			name: "the charter asks for the mediator and a monitor: one is not enough", policy: mediatorAndMonitor, accused: []string{"ru"},
			steps:  []move{respond("ru", truce.StanceDeny, nil, time.Hour), determine("us", truce.FindingBreach, "ru", true)},
			status: truce.StatusReplied, grade: truce.GradeSingle, late: []bool{false},
		},
		{
			name: "the mediator and a monitor agree", policy: mediatorAndMonitor, accused: []string{"ru"},
			steps:  []move{determine("us", truce.FindingBreach, "ru", true), determine("osce", truce.FindingBreach, "ru", true)},
			status: truce.StatusPublished, grade: truce.GradeSingle, finding: "breach/ru/true", by: []string{"osce", "us"},
		},
		{
			name: "they agree, but one does not want it published", policy: mediatorAndMonitor, accused: []string{"ru"},
			steps:  []move{determine("us", truce.FindingBreach, "ru", false), determine("osce", truce.FindingBreach, "ru", true)},
			status: truce.StatusDetermined, grade: truce.GradeSingle, finding: "breach/ru/false", by: []string{"osce", "us"},
		},
		{
			name: "they disagree on the party", policy: mediatorAndMonitor, accused: []string{"ru"},
			steps:  []move{determine("us", truce.FindingBreach, "ru", true), determine("osce", truce.FindingBreach, "ua", true)},
			status: truce.StatusAwaitingReply, grade: truce.GradeSingle,
		},
		{
			name: "a determiner changes its mind: its latest counts", policy: mediatorAndMonitor, accused: []string{"ru"},
			steps: []move{
				determine("us", truce.FindingBreach, "ru", true), determine("osce", truce.FindingBreach, "ru", true),
				determine("osce", truce.FindingInconclusive, "", true),
			},
			status: truce.StatusAwaitingReply, grade: truce.GradeSingle,
		},
		{
			name: "by default the latest word wins", accused: []string{"ru"},
			steps:  []move{determine("us", truce.FindingBreach, "ru", true), determine("osce", truce.FindingNoBreach, "", false)},
			status: truce.StatusDetermined, grade: truce.GradeSingle, finding: "no_breach//false", by: []string{"osce"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var amend []func(*truce.Charter)
			if c.policy != nil {
				amend = append(amend, c.policy)
			}
			d := newMoratorium(t, amend...)
			rep := d.report("ua", newReport(near, nppLon, 500, mar20, truce.ActDroneStrike, c.accused...))
			id := rep.ID
			for i, s := range c.steps {
				_, err := d.try(s.by, s.kind, rep.Payload.Time.Add(s.after), s.body(id))
				if got := truce.ErrorCode(err); err != nil && got != s.err || err == nil && s.err != "" {
					t.Fatalf("move %d (%s by %s): error %v, want code %q", i, s.kind, s.by, err, s.err)
				}
			}
			inc := d.incidentOf(rep)
			if inc.Status != c.status || inc.Assessment.Grade != c.grade {
				t.Errorf("status %s, grade %s; want %s, %s", inc.Status, inc.Assessment.Grade, c.status, c.grade)
			}
			if len(inc.Responses) != len(c.late) {
				t.Fatalf("%d responses, want %d", len(inc.Responses), len(c.late))
			}
			for i, r := range inc.Responses {
				if r.Late != c.late[i] {
					t.Errorf("response %d: late %v, want %v", i, r.Late, c.late[i])
				}
			}
			finding := ""
			if dt := inc.Determination; dt != nil {
				finding = string(dt.Finding) + "/" + dt.Party + "/" + map[bool]string{true: "true", false: "false"}[dt.Publish]
				if strings.Join(dt.Determiners, ",") != strings.Join(c.by, ",") {
					t.Errorf("determiners %v, want %v", dt.Determiners, c.by)
				}
			}
			if finding != c.finding {
				t.Errorf("determination %q, want %q", finding, c.finding)
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	d := newMoratorium(t)
	rep := d.report("ua", newReport(north(nppLat, 500), nppLon, 500, time.Date(2025, 3, 20, 3, 0, 0, 0, time.UTC), truce.ActDroneStrike, "ru"))
	inc := d.incidentOf(rep)
	deadline := *inc.Assessment.ReplyDeadline
	for _, c := range []struct {
		now  time.Time
		want truce.IncidentStatus
	}{
		{deadline.Add(-time.Second), truce.StatusAwaitingReply},
		{deadline, truce.StatusAwaitingReply},
		{deadline.Add(time.Second), truce.StatusOverdue},
	} {
		if got := inc.StatusAt(c.now); got != c.want {
			t.Errorf("StatusAt(%s) = %s, want %s", c.now.Format(time.RFC3339), got, c.want)
		}
	}
	d.do("ru", truce.KindResponse, deadline.Add(time.Hour), &truce.Response{Incident: inc.ID, Stance: truce.StanceAcknowledge, Text: "Late, but we reply."})
	inc = d.incidentOf(rep)
	if got := inc.StatusAt(deadline.Add(2 * time.Hour)); got != truce.StatusReplied {
		t.Errorf("after a late reply: %s, want replied", got)
	}
}

func TestProcessOnUnknownIncident(t *testing.T) {
	d := newMoratorium(t)
	unknown := strings.Repeat("0", 64)
	at := time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)
	for _, s := range []move{determine("us", truce.FindingNoBreach, "", false), respond("ru", truce.StanceDeny, nil, 0)} {
		if _, err := d.try(s.by, s.kind, at, s.body(unknown)); truce.ErrorCode(err) != truce.ENOTFOUND {
			t.Errorf("%s on an unknown incident: %v, want not_found", s.kind, err)
		}
	}
}
