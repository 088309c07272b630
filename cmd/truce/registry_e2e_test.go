package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// demoDeployment runs "truce init --demo" through Main and opens it.
func demoDeployment(t *testing.T) (string, *Daemon) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	m := &Main{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"init", "--demo", "--dir", dir}); err != nil {
		t.Fatalf("truce init --demo: %v", err)
	}
	return dir, openDaemon(t, dir)
}

// runCLI runs a truce command against the daemon and returns its output.
func runCLI(t *testing.T, d *Daemon, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Now: fixedNow,
		Getenv: func(k string) string {
			if k == "TRUCE_SERVER" {
				return d.URL()
			}
			return ""
		}}
	err := m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func TestDemoAgreementInForce(t *testing.T) {
	_, d := demoDeployment(t)
	c := newClient(t, d.URL())
	var list struct {
		Agreements []truce.AgreementHistory `json:"agreements"`
	}
	c.getJSON("/v1/agreements", &list)
	if len(list.Agreements) != 1 || len(list.Agreements[0].Versions) != 2 {
		t.Fatalf("agreements = %+v, want energy-moratorium with 2 versions", list.Agreements)
	}
	tests := []struct {
		at       string
		bound    map[string]int // party -> version
		notBound []string
	}{
		{"2025-03-17T00:00:00Z", nil, []string{"ru", "ua"}},
		{"2025-03-20T00:00:00Z", map[string]int{"ru": 1}, []string{"ua"}},
		{"2025-03-25T12:00:00Z", map[string]int{"ru": 1, "ua": 1}, nil},
		{"2025-03-26T00:00:00Z", map[string]int{"ru": 2, "ua": 2}, nil},
		{"2025-04-17T00:00:00Z", nil, []string{"ru", "ua"}},
	}
	for _, tt := range tests {
		var a truce.AgreementHistory
		c.getJSON("/v1/agreements/energy-moratorium?at="+tt.at, &a)
		got := map[string]int{}
		for _, f := range a.InForce {
			got[f.Party] = f.Version
		}
		if len(got) != len(tt.bound) {
			t.Errorf("at %s: in force %v, want %v", tt.at, got, tt.bound)
		}
		for p, v := range tt.bound {
			if got[p] != v {
				t.Errorf("at %s: %s bound by version %d, want %d", tt.at, p, got[p], v)
			}
		}
		if strings.Join(a.NotBound, ",") != strings.Join(tt.notBound, ",") {
			t.Errorf("at %s: not bound %v, want %v", tt.at, a.NotBound, tt.notBound)
		}
	}
	out, _, err := runCLI(t, d, "agreement", "show", "--at", "2025-03-20T00:00:00Z", "energy-moratorium")
	if err != nil || !strings.Contains(out, "ru  is bound by version 1 since 2025-03-18T14:00:00Z") || !strings.Contains(out, "ua  is bound by no version") {
		t.Errorf("agreement show --at: %v\n%s", err, out)
	}
}

func TestDemoSites(t *testing.T) {
	dir, d := demoDeployment(t)
	c := newClient(t, d.URL()).as(filepath.Join(dir, "keys", "us.key"))
	var fc thttp.FeatureCollection
	// Zaporizhzhia nuclear power plant, Enerhodar.
	// GPPD places the plant 3.1 km west of where GeoNuclearData puts its reactors.
	c.getJSON("/v1/sites?near=47.5119,34.5858,5000&category=energy.generation.nuclear", &fc)
	if len(fc.Features) < 6 {
		t.Fatalf("near Zaporizhzhia NPP: %d nuclear sites, want its 6 reactors and the plant", len(fc.Features))
	}
	last := -1.0
	for _, f := range fc.Features {
		d := f.Properties["distance_m"].(float64)
		if d < last || d > 5000 || !strings.HasPrefix(f.Properties["category"].(string), "energy.generation.nuclear") {
			t.Errorf("feature %s: distance %v after %v, category %v", f.ID, d, last, f.Properties["category"])
		}
		last = d
	}
	c.getJSON("/v1/sites?bbox=22,44,41,53&category=energy.transmission.line&limit=5", &fc)
	if len(fc.Features) != 5 || !fc.Truncated || fc.Features[0].Geometry.Type != "LineString" {
		t.Errorf("lines in Ukraine: %d features, truncated %v", len(fc.Features), fc.Truncated)
	}
	var site truce.SiteHistory
	c.getJSON("/v1/sites/"+fc.Features[0].ID, &site)
	if len(site.History) != 1 || site.History[0].Summary != "declared" || site.Controller != "ua" {
		t.Errorf("site %s: %+v", fc.Features[0].ID, site)
	}
	for _, bad := range []string{"near=91,30,100", "near=47,34", "bbox=1,2,3", "category=energy.nope", "at=yesterday", "near=47,34,-5", "limit=100000"} {
		resp, body := c.do("GET", "/v1/sites?"+bad, nil)
		checkProblem(t, resp, body, 400, "")
	}
}

func TestImportSites(t *testing.T) {
	dir, d := demoDeployment(t)
	key := filepath.Join(dir, "keys", "us.key")
	good := filepath.Join(t.TempDir(), "plants.csv")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	header := "country,name,latitude,longitude,capacity_mw,primary_fuel,gppd_idnr\n"
	os.WriteFile(good, []byte(header+"UKR,Test plant,48.5,35.1,10,Solar,TEST0001\nRUS,Other plant,55.7,37.6,20,Gas,TEST0002\n"), 0o644)
	os.WriteFile(bad, []byte(header+"UKR,Good plant,48.5,35.1,10,Solar,TEST0003\nUKR,Bad plant,95.0,35.1,10,Solar,TEST0004\n"), 0o644)
	size := func() int {
		var l thttp.StatementList
		newClient(t, d.URL()).getJSON("/v1/statements?limit=1000", &l)
		return len(l.Statements)
	}
	before := size()
	_, _, err := runCLI(t, d, "import", "sites", "--key", key, "--format", "gppd", "--controller", "UKR=ua", "--controller", "RUS=ru", bad)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("import of a bad row: %v, want an error naming line 3", err)
	}
	if size() != before {
		t.Errorf("a failed import wrote %d statements", size()-before)
	}
	args := []string{"import", "sites", "--key", key, "--format", "gppd", "--controller", "UKR=ua", "--controller", "RUS=ru", good}
	out, _, err := runCLI(t, d, args...)
	if err != nil || !strings.Contains(out, "2 new or changed declared in 1 statements") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, d, args...)
	if err != nil || !strings.Contains(out, "nothing submitted") || size() != before+1 {
		t.Errorf("second import: %v\n%s", err, out)
	}
	os.WriteFile(good, []byte(header+"UKR,Test plant,48.5,35.1,12,Solar,TEST0001\nRUS,Other plant,55.7,37.6,20,Gas,TEST0002\n"), 0o644)
	out, _, err = runCLI(t, d, args...)
	if err != nil || !strings.Contains(out, "1 new or changed") {
		t.Errorf("import of a changed row: %v\n%s", err, out)
	}
	var site truce.SiteHistory
	newClient(t, d.URL()).as(filepath.Join(dir, "keys", "us.key")).getJSON("/v1/sites/gppd:TEST0001", &site)
	if len(site.History) != 2 || site.History[1].Summary != "updated: attributes" {
		t.Errorf("history of the changed site: %+v", site.History)
	}
	// A party cannot declare the other party's sites.
	theirs := filepath.Join(t.TempDir(), "theirs.csv")
	os.WriteFile(theirs, []byte(header+"RUS,Their plant,55.7,37.6,20,Gas,TEST0005\n"), 0o644)
	_, _, err = runCLI(t, d, "import", "sites", "--key", filepath.Join(dir, "keys", "ua.key"), "--format", "gppd", "--controller", "RUS=ru", theirs)
	if err == nil || !strings.Contains(err.Error(), "may declare only the sites it controls") {
		t.Errorf("ua importing Russia's sites: %v", err)
	}
}

func TestAgreementRules(t *testing.T) {
	dir, d := demoDeployment(t)
	v3 := filepath.Join(t.TempDir(), "v3.yaml")
	data, _ := demoFiles.ReadFile("demo/energy-moratorium-v2.yaml")
	text := strings.Replace(strings.Replace(string(data), "version: 2\nsupersedes: 1", "version: 3\nsupersedes: 2", 1), "2025-04-17T00:00:00Z", "2025-05-17T00:00:00Z", 1)
	os.WriteFile(v3, []byte(text), 0o644)
	_, _, err := runCLI(t, d, "agreement", "propose", "--key", filepath.Join(dir, "keys", "ua.key"), v3)
	if truce.ErrorCode(err) != truce.EFORBIDDEN {
		t.Errorf("a party proposing: %v, want forbidden", err)
	}
	reused := filepath.Join(t.TempDir(), "reused.yaml")
	os.WriteFile(reused, []byte(strings.Replace(text, "The Parties refrain from strikes against nuclear power plants.", "Different words.", 1)), 0o644)
	_, _, err = runCLI(t, d, "agreement", "propose", "--key", filepath.Join(dir, "keys", "us.key"), reused)
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), "Clause id E4 is reused with other text") {
		t.Errorf("clause id reused: %v", err)
	}
	if _, _, err := runCLI(t, d, "agreement", "propose", "--key", filepath.Join(dir, "keys", "us.key"), v3); err != nil {
		t.Fatalf("propose v3: %v", err)
	}
	if _, _, err := runCLI(t, d, "agreement", "sign", "--key", filepath.Join(dir, "keys", "monitor.key"), "energy-moratorium"); truce.ErrorCode(err) != truce.EFORBIDDEN {
		t.Errorf("a monitor signing: %v, want forbidden", err)
	}
	if _, _, err := runCLI(t, d, "agreement", "sign", "--key", filepath.Join(dir, "keys", "ua.key"), "--from", "2025-04-17T00:00:00Z", "energy-moratorium"); err != nil {
		t.Fatalf("ua signs v3: %v", err)
	}
	if _, _, err := runCLI(t, d, "agreement", "sign", "--key", filepath.Join(dir, "keys", "ua.key"), "energy-moratorium", "3"); truce.ErrorCode(err) != truce.ECONFLICT {
		t.Errorf("signing twice: %v, want conflict", err)
	}
	c := newClient(t, d.URL())
	var a truce.AgreementHistory
	c.getJSON("/v1/agreements/energy-moratorium?at=2025-04-20T00:00:00Z", &a)
	if len(a.InForce) != 0 {
		t.Errorf("v3 signed by one party only is in force: %+v", a.InForce)
	}
	if _, _, err := runCLI(t, d, "agreement", "sign", "--key", filepath.Join(dir, "keys", "ru.key"), "--from", "2025-04-16T00:00:00Z", "energy-moratorium"); err != nil {
		t.Fatalf("ru signs v3: %v", err)
	}
	c.getJSON("/v1/agreements/energy-moratorium?at=2025-04-20T00:00:00Z", &a)
	if len(a.InForce) != 2 || a.InForce[0].Version != 3 {
		t.Errorf("after both signed, in force at 20 April: %+v", a.InForce)
	}
	raw, _ := json.Marshal(a)
	if !bytes.Contains(raw, []byte(`"periods"`)) {
		t.Errorf("no periods in %s", raw)
	}
}
