package main

import (
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

type incidentList struct {
	Incidents []truce.Incident `json:"incidents"`
	Next      string           `json:"next"`
}

func TestIncidentsAPI(t *testing.T) {
	dir, d := demoDeployment(t)
	c := newClient(t, d.URL()).as(filepath.Join(dir, "keys", "us.key"))
	var all incidentList
	c.getJSON("/v1/incidents?limit=1000", &all)
	if len(all.Incidents) < 40 {
		t.Fatalf("demo incidents: %d, want the UCDP events and the March 2025 claims", len(all.Incidents))
	}
	for i := 1; i < len(all.Incidents); i++ {
		a, b := all.Incidents[i-1], all.Incidents[i]
		if b.Start.Before(a.Start) || (b.Start.Equal(a.Start) && b.ID < a.ID) {
			t.Fatalf("incidents out of order at %d", i)
		}
	}
	// Paging with after gives the same list.
	var paged []truce.Incident
	for q := "limit=7"; ; {
		var page incidentList
		c.getJSON("/v1/incidents?"+q, &page)
		paged = append(paged, page.Incidents...)
		if page.Next == "" {
			break
		}
		q = "limit=7&after=" + page.Next
	}
	if len(paged) != len(all.Incidents) {
		t.Errorf("paging by 7 gives %d incidents, want %d", len(paged), len(all.Incidents))
	}

	var sudzha incidentList
	c.getJSON("/v1/incidents?site=demo:sudzha-gms&clause=E2&party=ru&from=2025-03-21T00:00:00Z&to=2025-03-22T00:00:00Z&bbox=35,51,36,52", &sudzha)
	if len(sudzha.Incidents) != 1 {
		t.Fatalf("Sudzha incidents accusing ru under E2: %+v", sudzha.Incidents)
	}
	inc := sudzha.Incidents[0]
	if inc.Act != truce.ActShelling || inc.Assessment.ReplyDeadline == nil || !inc.Assessment.ReplyDeadline.Equal(time.Date(2025, 3, 24, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("Sudzha incident: act %s, reply deadline %v", inc.Act, inc.Assessment.ReplyDeadline)
	}
	if !strings.Contains(strings.Join(inc.Assessment.Findings, "\n"), "in force for ru since 2025-03-18") {
		t.Errorf("findings: %q", inc.Assessment.Findings)
	}
	var one truce.Incident
	c.getJSON("/v1/incidents/"+inc.ID, &one)
	if one.ID != inc.ID || len(one.Reports) != 1 {
		t.Errorf("GET incident: %+v", one)
	}
	var rep struct {
		truce.ReportView
	}
	c.getJSON("/v1/reports/"+inc.Reports[0].Statement, &rep)
	if rep.Incident != inc.ID || rep.Report.Act != truce.ActShelling {
		t.Errorf("GET report: incident %q act %q", rep.Incident, rep.Report.Act)
	}
	var none incidentList
	c.getJSON("/v1/incidents?grade=impartial", &none)
	if len(none.Incidents) != 0 {
		t.Errorf("impartial incidents in the demo: %d", len(none.Incidents))
	}

	rows, err := csv.NewReader(strings.NewReader(string(c.get("/v1/export/incidents.csv?party=ru&from=2025-03-18T00:00:00Z")))).ReadAll()
	if err != nil || len(rows) < 3 || rows[0][0] != "id" {
		t.Errorf("CSV export: %v, %d rows", err, len(rows))
	}
	if geo := string(c.get("/v1/export/incidents.geojson?site=demo:sudzha-gms")); !strings.Contains(geo, `"FeatureCollection"`) || !strings.Contains(geo, inc.ID) {
		t.Errorf("GeoJSON export: %.200s", geo)
	}

	for _, bad := range []string{"grade=bogus", "from=yesterday", "bbox=1,2", "limit=5000"} {
		resp, body := c.do("GET", "/v1/incidents?"+bad, nil)
		checkProblem(t, resp, body, 400, "")
	}
	resp, body := c.do("GET", "/v1/incidents/"+strings.Repeat("0", 64), nil)
	checkProblem(t, resp, body, 404, "not found")

	// Bad reports are refused with the field named, and nothing is written.
	before := len(c.allStatementIDs())
	_, _, err = runCLI(t, d, "report", "--key", filepath.Join(dir, "keys", "ua.key"), "--lat", "47.5", "--lon", "34.6",
		"--start", "2025-03-20T03:00:00Z", "--end", "2025-03-20T02:00:00Z", "--act", "drone_strike", "--source-kind", "party")
	if err == nil || !strings.Contains(err.Error(), "when.end") {
		t.Errorf("report ending before it starts: %v", err)
	}
	_, _, err = runCLI(t, d, "report", "--key", filepath.Join(dir, "keys", "ua.key"), "--lat", "47.5", "--lon", "34.6",
		"--start", "2025-03-20T03:00:00Z", "--act", "drone_strike", "--source-kind", "monitor")
	if truce.ErrorCode(err) != truce.EFORBIDDEN {
		t.Errorf("a party reporting as a monitor: %v", err)
	}
	retract := sign(t, (&testDeployment{Dir: dir}).signer(t, "ru"), truce.KindReportRetract, t0,
		truce.ReportRetract{Report: inc.Reports[0].Statement, Reason: "Not ours to retract."})
	resp, body = c.do("POST", "/v1/statements", retract.Raw)
	checkProblem(t, resp, body, 403, "may retract it")
	if after := len(c.allStatementIDs()); after != before {
		t.Errorf("refused reports wrote %d statements", after-before)
	}
}
