package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// incidentLedger serves a slice of incidents, ordered by start, paged as
// the service pages them; it filters by party, time and box.
type incidentLedger struct {
	truce.Ledger
	incidents []truce.Incident
	agreement *truce.AgreementHistory
}

func (l *incidentLedger) Incidents(_ context.Context, q truce.IncidentQuery) (*truce.IncidentResult, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = truce.DefaultIncidentLimit
	}
	res := &truce.IncidentResult{}
	started := q.After == ""
	for _, inc := range l.incidents {
		if !started {
			started = inc.ID == q.After
			continue
		}
		if q.Party != "" && (len(inc.Accused) == 0 || inc.Accused[0] != q.Party) ||
			q.From != nil && inc.End.Before(*q.From) || q.To != nil && inc.Start.After(*q.To) ||
			q.BBox != nil && (inc.Where.Lon < q.BBox[0] || inc.Where.Lat < q.BBox[1] || inc.Where.Lon > q.BBox[2] || inc.Where.Lat > q.BBox[3]) {
			continue
		}
		if len(res.Incidents) == limit {
			res.Next = res.Incidents[limit-1].ID
			break
		}
		res.Incidents = append(res.Incidents, inc)
	}
	return res, nil
}

func (l *incidentLedger) Agreements(context.Context) ([]truce.AgreementHistory, error) {
	if l.agreement == nil {
		return nil, nil
	}
	return []truce.AgreementHistory{*l.agreement}, nil
}

// manyIncidents returns n incidents spread over Ukraine and March 2025.
func manyIncidents(n int) []truce.Incident {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]truce.Incident, n)
	for i := range out {
		start := t0.Add(time.Duration(i) * 30 * 24 * time.Hour / time.Duration(n))
		party := []string{"ua", "ru"}[i%2]
		inc := truce.Incident{ID: fmt.Sprintf("%064x", i), Start: start, End: start, Act: truce.Act("shelling"), Accused: []string{party},
			Where:      truce.Where{Lat: 44.5 + 7*r.Float64(), Lon: 23 + 17*r.Float64(), RadiusMetres: 1000, Precision: "exact"},
			Assessment: truce.Assessment{Grade: truce.GradeSingle}}
		switch i % 4 {
		case 0:
			inc.Status = truce.StatusPublished
		case 1:
			past := start.Add(time.Hour)
			inc.Status, inc.Assessment.ReplyDeadline = truce.StatusAwaitingReply, &past
		}
		if i%10 == 0 {
			inc.Assessment.Grade = truce.GradeCorroborated
			inc.Assessment.Sites = []truce.SiteFinding{{Site: "s", Name: "Plant", Category: "energy.generation.nuclear"}}
		}
		out[i] = inc
	}
	return out
}

func get(t *testing.T, url string, out any) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// TestIncidentGrid100k checks that a map of 100,000 incidents gets a few
// hundred cells, quickly, and that filters change the counts.
func TestIncidentGrid100k(t *testing.T) {
	const n = 100000
	s := &thttp.Server{Ledger: &incidentLedger{incidents: manyIncidents(n)}, LogDir: t.TempDir()}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	start := time.Now()
	var g thttp.Grid
	data := get(t, srv.URL+"/v1/incidents/grid?zoom=5", &g)
	took := time.Since(start)
	t.Logf("grid of %d incidents at zoom 5: %d cells, %d bytes, %v", n, len(g.Cells), len(data), took)
	if g.Total != n || g.Grades["corroborated"] != n/10 {
		t.Errorf("total %d, corroborated %d; want %d, %d", g.Total, g.Grades["corroborated"], n, n/10)
	}
	if len(g.Cells) > 500 || len(data) > 200<<10 {
		t.Errorf("%d cells, %d bytes: too many for a map", len(g.Cells), len(data))
	}
	if took > 3*time.Second {
		t.Errorf("the grid took %v", took)
	}
	sum := 0
	for _, c := range g.Cells {
		sum += c.Count
		if c.Count == 1 && c.Incident == "" || c.Count > 1 && c.Incident != "" {
			t.Errorf("cell %+v: a cell names its incident if and only if it has one", c)
		}
	}
	if sum != n {
		t.Errorf("cells count %d incidents, want %d", sum, n)
	}

	if g.Statuses["published"] != n/4 || g.Statuses["overdue"] != n/4 {
		t.Errorf("statuses %v: want %d published and %d overdue", g.Statuses, n/4, n/4)
	}
	get(t, srv.URL+"/v1/incidents/grid?zoom=5&status=overdue,published", &g)
	if g.Total != n/2 {
		t.Errorf("status=overdue,published: %d incidents, want %d", g.Total, n/2)
	}
	get(t, srv.URL+"/v1/incidents/grid?zoom=5&party=ru", &g)
	if g.Total != n/2 {
		t.Errorf("party=ru: %d incidents, want %d", g.Total, n/2)
	}
	get(t, srv.URL+"/v1/incidents/grid?zoom=5&category=energy.generation", &g)
	if g.Total != n/10 {
		t.Errorf("category=energy.generation: %d incidents, want %d", g.Total, n/10)
	}
	get(t, srv.URL+"/v1/incidents/grid?zoom=18", &g)
	if len(g.Cells) > 5000 || g.Zoom >= 18 || g.Total != n {
		t.Errorf("zoom 18 over the whole map: %d cells at zoom %d, want at most 5000 at a coarser zoom", len(g.Cells), g.Zoom)
	}
	get(t, srv.URL+"/v1/incidents/grid?zoom=18&bbox=30,50,30.1,50.1", &g)
	if g.Zoom != 18 {
		t.Errorf("zoom 18 over a small box: zoom %d", g.Zoom)
	}
	resp, err := http.Get(srv.URL + "/v1/incidents/grid?zoom=19")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("zoom=19: %d, want 400", resp.StatusCode)
	}
}

func TestDailyEndpoint(t *testing.T) {
	from := time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
	ag := &truce.AgreementHistory{ID: "moratorium", Versions: []truce.AgreementVersion{{Agreement: truce.Agreement{ID: "moratorium", Version: 1,
		Title: "Moratorium", Window: truce.Window{From: from}}}}}
	s := &thttp.Server{Ledger: &incidentLedger{incidents: manyIncidents(3000), agreement: ag}, LogDir: t.TempDir()}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	var rep struct {
		Agreement string `json:"agreement"`
		Total     struct{ Day, Previous, Window int }
	}
	get(t, srv.URL+"/v1/daily?date=2025-03-20", &rep)
	// 100 incidents a day; the window began on the 18th.
	if rep.Agreement != "moratorium" || rep.Total.Day != 100 || rep.Total.Previous != 100 || rep.Total.Window != 300 {
		t.Errorf("daily report: %+v", rep)
	}
	if md := string(get(t, srv.URL+"/v1/daily?date=2025-03-20&format=md", nil)); !strings.HasPrefix(md, "# Daily report, 2025-03-20") {
		t.Errorf("markdown: %.80s", md)
	}
	if h := string(get(t, srv.URL+"/v1/daily?date=2025-03-20&format=html", nil)); !strings.Contains(h, "<svg") {
		t.Errorf("html has no chart: %.200s", h)
	}
	for _, q := range []string{"", "date=20-03-2025", "date=2025-03-20&format=pdf"} {
		resp, err := http.Get(srv.URL + "/v1/daily?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("GET /v1/daily?%s: %d, want 400", q, resp.StatusCode)
		}
	}
}

type fakeUI struct{ http.HandlerFunc }

func (fakeUI) Patterns() []string { return []string{"/{$}", "/agreements", "/ui/"} }

// TestUIMount checks that the UI gets the paths the API and the log leave,
// and that those keep their problem documents.
func TestUIMount(t *testing.T) {
	ui := fakeUI{func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "UI "+r.URL.Path) }}
	s := &thttp.Server{Ledger: &incidentLedger{}, LogDir: t.TempDir(), UI: ui}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for path, want := range map[string]string{"/": "UI /", "/agreements": "UI /agreements", "/ui/app.css": "UI /ui/app.css",
		"/nope": "/problems/not_found", "/v1/nope": "/problems/not_found", "/log/nope": "/problems/not_found"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(data), want) {
			t.Errorf("GET %s: %s, want %s", path, data, want)
		}
	}
	resp, err := http.Post(srv.URL+"/v1/nope", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("POST /v1/nope: %d, want 404", resp.StatusCode)
	}
}
