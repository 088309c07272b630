package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// readers of the demo deployment: the public and every member, each with
// what it may read of members-only data.
var demoReaders = []struct {
	name string // "" for the public
	full bool
}{
	{"", false}, {"ua", true}, {"ru", true}, {"us", true}, {"monitor", true}, {"operator", true},
}

// TestAuthorization asks every read endpoint as every reader of the demo
// and checks who sees what: members everything, the public only what the
// publication policy publishes.
func TestAuthorization(t *testing.T) {
	dir, d := demoDeployment(t)
	member := newClient(t, d.URL()).as(filepath.Join(dir, "keys", "us.key"))
	var all incidentList
	member.getJSON("/v1/incidents?limit=1000", &all)
	var published, hidden truce.Incident
	for _, inc := range all.Incidents {
		switch {
		case inc.Status == truce.StatusPublished && published.ID == "":
			published = inc
		case inc.Status != truce.StatusPublished && hidden.ID == "":
			hidden = inc
		}
	}
	if published.ID == "" || hidden.ID == "" {
		t.Fatalf("the demo needs a published and an unpublished incident; statuses: %v", statuses(all.Incidents))
	}
	report := hidden.Reports[0].Statement
	var stmts struct {
		Statements []struct {
			ID   string     `json:"id"`
			Kind truce.Kind `json:"kind"`
		} `json:"statements"`
	}
	member.getJSON("/v1/statements?limit=1", &stmts)
	charterID := stmts.Statements[0].ID
	var bulletins struct {
		Bulletins []truce.BulletinState `json:"bulletins"`
	}
	member.getJSON("/v1/bulletins", &bulletins)
	if len(bulletins.Bulletins) == 0 {
		t.Fatalf("the demo has no bulletin")
	}

	// status of each endpoint for the public and for members.
	endpoints := []struct {
		path           string
		public, member int
	}{
		{"/v1/members", 200, 200},
		{"/v1/whoami", 200, 200},
		{"/v1/agreements", 200, 200},
		{"/v1/agreements/energy-moratorium", 200, 200},
		{"/v1/categories", 200, 200},
		{"/v1/sites?limit=50", 200, 200},
		{"/v1/sites/demo:sudzha-gms", 200, 200},
		{"/v1/incidents?limit=1000", 200, 200},
		{"/v1/incidents/" + published.ID, 200, 200},
		{"/v1/incidents/" + hidden.ID, 404, 200},
		{"/v1/reports/" + report, 404, 200},
		{"/v1/statements/" + report, 404, 200},
		{"/v1/statements/" + charterID, 200, 200},
		{"/v1/statements?limit=1000", 200, 200},
		{"/v1/receipts/" + charterID, 200, 200},
		{"/v1/export/incidents.geojson", 200, 200},
		{"/v1/export/incidents.csv", 200, 200},
		{"/v1/export/incidents.jsonl", 200, 200},
		{"/v1/incidents?status=published", 200, 200},
		{"/v1/inbox", 401, 200},
		{"/v1/bulletins", 401, 200},
		{"/v1/bulletins/" + bulletins.Bulletins[0].ID, 401, 200},
		{"/log/checkpoint", 200, 200},
	}
	public := newClient(t, d.URL())
	var publicBodies []string
	for _, r := range demoReaders {
		c := public
		if r.name != "" {
			c = public.as(filepath.Join(dir, "keys", r.name+".key"))
		}
		for _, e := range endpoints {
			resp, body := c.do(http.MethodGet, e.path, nil)
			want := e.public
			if r.full {
				want = e.member
			}
			if resp.StatusCode != want {
				t.Errorf("%s as %q: %d, want %d: %s", e.path, r.name, resp.StatusCode, want, body)
			}
			if r.name == "" && !strings.HasPrefix(e.path, "/v1/agreements") {
				// (an agreement's zones are public terms, not places of events)
				publicBodies = append(publicBodies, string(body))
			}
		}
		var who truce.Reader
		c.getJSON("/v1/whoami", &who)
		if who.Member != r.name || who.Full() != r.full {
			t.Errorf("whoami as %q: %+v", r.name, who)
		}
		var list incidentList
		c.getJSON("/v1/incidents?limit=1000", &list)
		if r.full && len(list.Incidents) != len(all.Incidents) || !r.full && (len(list.Incidents) != 1 || list.Incidents[0].ID != published.ID) {
			t.Errorf("incidents as %q: %d, want %d", r.name, len(list.Incidents), map[bool]int{true: len(all.Incidents), false: 1}[r.full])
		}
	}

	// The public view of the published incident: coarsened, without
	// findings, responses or who reported.
	var pub truce.Incident
	public.getJSON("/v1/incidents/"+published.ID, &pub)
	if pub.Where.Lat == published.Where.Lat || pub.Where.RadiusMetres < 3535 || len(pub.Assessment.Findings) != 0 || len(pub.Responses) != 0 || pub.Determination == nil || len(pub.Determinations) != len(pub.Determination.Determiners) {
		t.Errorf("public view of %s: where %+v, %d findings, %d responses, %d determinations, determination %v",
			published.ID, pub.Where, len(pub.Assessment.Findings), len(pub.Responses), len(pub.Determinations), pub.Determination)
	}
	for _, r := range pub.Reports {
		if r.Signer != "" || r.Statement != "" {
			t.Errorf("public view names a report's signer or statement: %+v", r)
		}
	}
	checkNothingRevealed(t, member, publicBodies, all.Incidents)
}

func statuses(incs []truce.Incident) map[truce.IncidentStatus]int {
	out := map[truce.IncidentStatus]int{}
	for _, inc := range incs {
		out[inc.Status]++
	}
	return out
}

// checkNothingRevealed checks that no public answer holds a restricted
// site field (the demo restricts operator), a coordinate of a report or
// site as members see it, a report's statement id, or the engine's findings (whose
// words give exact distances).
func checkNothingRevealed(t *testing.T, member *client, bodies []string, incidents []truce.Incident) {
	t.Helper()
	exact := map[string]bool{} // coordinates as members see them
	var texts []string
	for _, inc := range incidents {
		exact[coord(inc.Where.Lat)], exact[coord(inc.Where.Lon)] = true, true
		for _, r := range inc.Reports {
			// The incident's id is its first report's, and public: it names
			// the incident, and the log holds it as a commitment anyway.
			if r.Statement != inc.ID {
				texts = append(texts, r.Statement)
			}
		}
		texts = append(texts, inc.Assessment.Findings...)
	}
	var sites struct {
		Features []struct {
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	member.getJSON("/v1/sites?limit=50", &sites)
	number := regexp.MustCompile(`-?\d+\.\d+`)
	for _, f := range sites.Features {
		for _, n := range number.FindAllString(string(f.Geometry), -1) {
			exact[n] = true
		}
	}
	for _, body := range bodies {
		if strings.Contains(body, `"operator":`) {
			t.Errorf("a public answer holds the restricted field operator: %.300s", body)
		}
		for _, n := range number.FindAllString(body, -1) {
			if exact[n] && !isGridValue(n) {
				t.Errorf("a public answer reveals the coordinate %s: %.300s", n, body)
				return
			}
		}
		for _, s := range texts {
			if s != "" && strings.Contains(body, s) {
				t.Errorf("a public answer reveals %q: %.300s", s, body)
				return
			}
		}
	}
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// isGridValue reports whether a coordinate lies on the demo's 5 km
// publication grid, where an exact value may fall by chance.
func isGridValue(s string) bool {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false
	}
	w := truce.Coarsen(truce.Where{Lat: v, Lon: v}, 5000)
	return coord(w.Lat) == s || coord(w.Lon) == s
}

// TestTokens checks that a token that does not prove a member is refused,
// never read as the public.
func TestTokens(t *testing.T) {
	dir, d := demoDeployment(t)
	ua, err := truce.ReadSignerFile(filepath.Join(dir, "keys", "ua.key"))
	if err != nil {
		t.Fatal(err)
	}
	g := newKeyGen(7)
	stranger := g.signer(t, "ua", ua.Log)
	mk := func(s *truce.Signer, log string, at time.Time, ttl time.Duration) string {
		tok, err := truce.NewToken(s, log, at, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mk(ua, ua.Log, fixedNow(), time.Hour)
	forged := good[:len(good)-4] + map[bool]string{true: "AAAA", false: "BBBB"}[!strings.HasSuffix(good, "AAAA")]
	for _, c := range []struct {
		name, header, want string
	}{
		{"expired", "Bearer " + mk(ua, ua.Log, fixedNow().Add(-2*time.Hour), time.Hour), "expired"},
		{"issued in the future", "Bearer " + mk(ua, ua.Log, fixedNow().Add(time.Hour), time.Hour), "ahead of the server's clock"},
		{"forged signature", "Bearer " + forged, "not"},
		{"unregistered key", "Bearer " + mk(stranger, ua.Log, fixedNow(), time.Hour), "not registered"},
		{"another log", "Bearer " + mk(ua, "truce.example/other", fixedNow(), time.Hour), "for log"},
		{"not a token", "Bearer hello", "not a Truce token"},
		{"not bearer", "Basic dWE6cGFzcw==", "Bearer TOKEN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, d.URL()+"/v1/incidents", nil)
			req.Header.Set("Authorization", c.header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p problem
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != 401 || !strings.Contains(p.Detail, c.want) || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%d %q, want 401 saying %q", resp.StatusCode, p.Detail, c.want)
			}
		})
	}
}
