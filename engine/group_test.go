package engine_test

import (
	"slices"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// t0 is the time of the first report of each grouping case.
var t0 = time.Date(2025, 3, 20, 2, 0, 0, 0, time.UTC)

// step is a report by a member or, if r is nil, the retraction of the
// report of step retract.
type step struct {
	by      string
	r       *truce.Report
	retract int
}

// at returns a drone strike report near the NPP, d metres north and hours
// after t0, for one hour.
func at(d float64, hours float64, act truce.Act) *truce.Report {
	return newReport(north(nppLat, d), nppLon, 500, t0.Add(time.Duration(hours*float64(time.Hour))), act)
}

func TestGrouping(t *testing.T) {
	drone, missile, shelling, other := truce.ActDroneStrike, truce.ActMissileStrike, truce.ActShelling, truce.ActOther
	for _, c := range []struct {
		name  string
		steps []step
		// groups lists, for each incident, the steps whose reports it
		// holds; its id is the report of the first.
		groups [][]int
		grades []truce.Grade
	}{
		{
			name:   "same place and time, two signers",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(1000, 1, drone)}},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeCorroborated},
		},
		{
			name:   "a monitor makes it impartial",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osce", r: at(2000, 0, drone)}},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeImpartial},
		},
		{
			name:   "a monitor alone is impartial",
			steps:  []step{{by: "osce", r: at(0, 0, drone)}},
			groups: [][]int{{0}}, grades: []truce.Grade{truce.GradeImpartial},
		},
		{
			name:   "one signer twice is a single source",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "ua", r: at(300, 2, drone)}},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeSingle},
		},
		{
			name:   "shelling and a drone strike are two",
			steps:  []step{{by: "ua", r: at(0, 0, shelling)}, {by: "ru", r: at(0, 0, drone)}},
			groups: [][]int{{0}, {1}}, grades: []truce.Grade{truce.GradeSingle, truce.GradeSingle},
		},
		{
			name:   "outside the window",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(0, 7.01, drone)}},
			groups: [][]int{{0}, {1}}, grades: []truce.Grade{truce.GradeSingle, truce.GradeSingle},
		},
		{
			name:   "at the edge of the window",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(0, 7, drone)}},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeCorroborated},
		},
		{
			name:   "outside the distance",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(5010, 0, drone)}},
			groups: [][]int{{0}, {1}}, grades: []truce.Grade{truce.GradeSingle, truce.GradeSingle},
		},
		{
			name:   "within the distance",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(4990, 0, drone)}},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeCorroborated},
		},
		{
			name:   "the aerial group merges",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(100, 0, missile)}, {by: "osce", r: at(200, 0, truce.ActAirStrike)}},
			groups: [][]int{{0, 1, 2}}, grades: []truce.Grade{truce.GradeImpartial},
		},
		{
			name:   "other merges with anything",
			steps:  []step{{by: "ua", r: at(0, 0, shelling)}, {by: "osint", r: at(100, 0, other)}},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeCorroborated},
		},
		{
			name: "the nearest of two candidates",
			steps: []step{
				{by: "ua", r: at(0, 0, drone)}, {by: "ua", r: at(8000, 0, drone)},
				{by: "osint", r: at(4500, 0, drone)}, {by: "osce", r: at(3500, 0, drone)},
			},
			groups: [][]int{{0, 3}, {1, 2}}, grades: []truce.Grade{truce.GradeImpartial, truce.GradeCorroborated},
		},
		{
			name: "at the same distance, the nearest in time",
			steps: []step{
				{by: "ua", r: at(0, 0, drone)}, {by: "ua", r: at(0, 10, drone)},
				{by: "osce", r: at(0, 3, drone)}, {by: "osint", r: at(0, 7.5, drone)},
			},
			groups: [][]int{{0, 2}, {1, 3}}, grades: []truce.Grade{truce.GradeImpartial, truce.GradeCorroborated},
		},
		{
			name: "retracting one of two regrades",
			steps: []step{
				{by: "ua", r: at(0, 0, drone)}, {by: "osint", r: at(1000, 1, drone)}, {retract: 1},
			},
			groups: [][]int{{0, 1}}, grades: []truce.Grade{truce.GradeSingle},
		},
		{
			name:   "retracting the only report",
			steps:  []step{{by: "ua", r: at(0, 0, drone)}, {retract: 0}},
			groups: [][]int{{0}}, grades: []truce.Grade{truce.GradeRetracted},
		},
		{
			name: "a retracted incident takes no new reports",
			steps: []step{
				{by: "ua", r: at(0, 0, drone)}, {retract: 0}, {by: "osint", r: at(0, 0, drone)},
			},
			groups: [][]int{{0}, {2}}, grades: []truce.Grade{truce.GradeRetracted, truce.GradeSingle},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newDeployment(t)
			sts := make([]*truce.Statement, len(c.steps))
			for i, s := range c.steps {
				if s.r == nil {
					d.retract(sts[s.retract])
					continue
				}
				sts[i] = d.report(s.by, s.r)
			}
			if d.engine.Len() != len(c.groups) {
				t.Errorf("%d incidents, want %d", d.engine.Len(), len(c.groups))
			}
			for g, members := range c.groups {
				want := sts[members[0]].ID
				for _, m := range members {
					if id, _ := d.engine.IncidentOf(sts[m].ID); id != want {
						t.Errorf("report of step %d is in incident %.8s, want %.8s (that of step %d)", m, id, want, members[0])
					}
				}
				inc, _ := d.engine.Incident(want)
				if inc.Assessment.Grade != c.grades[g] {
					t.Errorf("incident of step %d: grade %s, want %s", members[0], inc.Assessment.Grade, c.grades[g])
				}
				if len(inc.Reports) != len(members) {
					t.Errorf("incident of step %d: %d reports, want %d", members[0], len(inc.Reports), len(members))
				}
			}
		})
	}
}

// TestDerivedFields checks that an incident takes its time span from its
// counting reports and its place and act from the most precise of them.
func TestDerivedFields(t *testing.T) {
	d := newDeployment(t)
	a := newReport(nppLat, nppLon, 2000, t0, truce.ActOther, "ru")
	a.Where.Place = "Enerhodar"
	b := newReport(north(nppLat, 1000), nppLon, 500, t0.Add(2*time.Hour), truce.ActDroneStrike, "ua")
	c := newReport(north(nppLat, 2000), nppLon, 500, t0.Add(-time.Hour), truce.ActMissileStrike)
	sa, sb, sc := d.report("osint", a), d.report("osce", b), d.report("ua", c)
	type want struct {
		start, end time.Time
		lat        float64
		act        truce.Act
		accused    []string
		updated    uint64
	}
	check := func(name string, w want) {
		t.Helper()
		inc := d.incidentOf(sa)
		if !inc.Start.Equal(w.start) || !inc.End.Equal(w.end) || inc.Where.Lat != w.lat || inc.Act != w.act ||
			!slices.Equal(inc.Accused, w.accused) || inc.UpdatedAt != w.updated {
			t.Errorf("%s: incident is %s to %s at %v, %s, accused %v, updated at %d; want %s to %s at %v, %s, accused %v, updated at %d",
				name, inc.Start, inc.End, inc.Where.Lat, inc.Act, inc.Accused, inc.UpdatedAt,
				w.start, w.end, w.lat, w.act, w.accused, w.updated)
		}
	}
	last := uint64(len(d.log) - 1)
	// b and c have the same radius: b, applied first, gives the place.
	check("three reports", want{t0.Add(-time.Hour), t0.Add(3 * time.Hour), b.Where.Lat, truce.ActDroneStrike, []string{"ru", "ua"}, last})
	if sb.ID == sc.ID {
		t.Fatal("two reports have one id")
	}
	d.retract(sb)
	check("b retracted", want{t0.Add(-time.Hour), t0.Add(time.Hour), c.Where.Lat, truce.ActMissileStrike, []string{"ru"}, last + 1})
	d.retract(sc)
	check("only a counts", want{t0, t0.Add(time.Hour), a.Where.Lat, truce.ActOther, []string{"ru"}, last + 2})
	d.retract(sa)
	inc := d.incidentOf(sa)
	check("none counts: the last values stay", want{t0, t0.Add(time.Hour), a.Where.Lat, truce.ActOther, []string{"ru"}, last + 3})
	if inc.Where.Place != "Enerhodar" || inc.Assessment.Grade != truce.GradeRetracted || inc.Assessment.ReplyDeadline != nil {
		t.Errorf("retracted incident: place %q, grade %s, deadline %v", inc.Where.Place, inc.Assessment.Grade, inc.Assessment.ReplyDeadline)
	}
	if inc.Assessment.Findings[0] != "every report was retracted: the incident no longer counts" {
		t.Errorf("first finding %q", inc.Assessment.Findings[0])
	}
	for i, r := range inc.Reports {
		if !r.Retracted {
			t.Errorf("report %d is not marked retracted", i)
		}
	}
}

// TestLongReport checks that a report spanning many corroboration windows
// finds an incident at the far end of its span.
func TestLongReport(t *testing.T) {
	d := newDeployment(t)
	late := d.report("ua", newReport(nppLat, nppLon, 500, t0.Add(20*24*time.Hour), truce.ActShelling))
	long := newReport(nppLat, nppLon, 500, t0, truce.ActShelling)
	long.When.End, long.When.Precision = t0.Add(20*24*time.Hour-5*time.Hour), "range"
	st := d.report("osint", long)
	if got, _ := d.engine.IncidentOf(st.ID); got != late.ID {
		t.Errorf("long report joined %.8s, want %.8s", got, late.ID)
	}
}

func TestApplyErrors(t *testing.T) {
	d := newDeployment(t)
	st := d.report("ua", at(0, 0, truce.ActDroneStrike))
	other, err := truce.Sign(d.keys["ru"], origin, truce.KindReportRetract, t0, &truce.ReportRetract{Report: st.ID, Reason: "Not ours."})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := truce.Sign(d.keys["ua"], origin, truce.KindReportRetract, t0, &truce.ReportRetract{Report: other.ID, Reason: "Unknown."})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		st   *truce.Statement
		code string
	}{
		{"the same report twice", st, truce.ECONFLICT},
		{"a retraction by another", other, truce.EFORBIDDEN},
		{"the retraction of an unknown report", unknown, truce.ENOTFOUND},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := d.engine.Digest()
			incs, err := d.engine.Apply(c.st, 99)
			if truce.ErrorCode(err) != c.code || incs != nil {
				t.Errorf("Apply: %v, %v; want code %s", incs, err, c.code)
			}
			if d.engine.Digest() != before {
				t.Error("a failed Apply changed the digest")
			}
		})
	}
	t.Run("another kind", func(t *testing.T) {
		incs, err := d.engine.Apply(d.log[0], 0)
		if incs != nil || err != nil {
			t.Errorf("Apply(charter) = %v, %v; want nil, nil", incs, err)
		}
	})
	t.Run("a retraction twice", func(t *testing.T) {
		d.retract(st)
		again, _ := truce.Sign(d.keys["ua"], origin, truce.KindReportRetract, t0, &truce.ReportRetract{Report: st.ID, Reason: "Again."})
		if _, err := d.engine.Apply(again, 100); truce.ErrorCode(err) != truce.ECONFLICT {
			t.Errorf("Apply: %v; want code %s", err, truce.ECONFLICT)
		}
	})
}
