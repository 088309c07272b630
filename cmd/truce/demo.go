package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// demoFiles are the demo's agreement versions and registry data, built
// into the binary so that "truce init --demo" works anywhere.
//
//go:embed demo/*.yaml demo/data/*.csv
var demoFiles embed.FS

// demoRegistry lists the files the demo declares sites from, with the
// member that controls each country's sites.
var demoRegistry = []struct {
	file, format string
	opts         importer.Options
}{
	{"demo/data/gppd_ukr_rus.csv", "gppd", importer.Options{Controllers: map[string]string{"UKR": "ua", "RUS": "ru"}}},
	{"demo/data/geonuclear_reactors_ua_ru.csv", "geonuclear", importer.Options{Controllers: map[string]string{"UA": "ua", "RU": "ru"}}},
	{"demo/data/osm_hv_grid_nodes_ukraine_2017.csv", "osm-grid-nodes", importer.Options{DefaultController: "ua"}},
	{"demo/data/osm_hv_grid_nodes_russia_2017.csv", "osm-grid-nodes", importer.Options{DefaultController: "ru"}},
	{"demo/data/osm_hv_grid_links_ukraine_2017.csv", "osm-grid-links", importer.Options{DefaultController: "ua"}},
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err) // the demo's own constants
	}
	return t
}

// demoStatements returns what the demo's log holds after its charter: the
// registry, declared by the mediator the day before the moratorium; the
// moratorium proposed by the mediator on 18 March 2025 and signed by
// Russia from that day and by Ukraine from the publication of 25 March;
// and the second version, with the Black Sea clause, from 25 March.
func demoStatements(signers map[string]*truce.Signer, origin string) ([]*truce.Statement, error) {
	sites, err := demoSites()
	if err != nil {
		return nil, err
	}
	out, err := packSites(signers["us"], origin, utc("2025-03-17T00:00:00Z"), sites)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		by   string
		at   string
		kind truce.Kind
		body func() (any, error)
	}{
		{"us", "2025-03-18T12:00:00Z", truce.KindAgreementPropose, demoAgreement("demo/energy-moratorium-v1.yaml")},
		{"ru", "2025-03-18T14:00:00Z", truce.KindAgreementSign, demoSign(1, "2025-03-18T14:00:00Z")},
		{"ua", "2025-03-25T09:00:00Z", truce.KindAgreementSign, demoSign(1, "2025-03-25T00:00:00Z")},
		{"us", "2025-03-25T12:00:00Z", truce.KindAgreementPropose, demoAgreement("demo/energy-moratorium-v2.yaml")},
		{"ua", "2025-03-25T13:00:00Z", truce.KindAgreementSign, demoSign(2, "2025-03-25T13:00:00Z")},
		{"ru", "2025-03-25T14:00:00Z", truce.KindAgreementSign, demoSign(2, "2025-03-25T14:00:00Z")},
	}
	for _, s := range steps {
		body, err := s.body()
		if err != nil {
			return nil, err
		}
		st, err := truce.Sign(signers[s.by], origin, s.kind, utc(s.at), body)
		if err != nil {
			return nil, fmt.Errorf("demo %s by %s: %w", s.kind, s.by, err)
		}
		out = append(out, st)
	}
	more, err := demoReports(signers, origin)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// demoEvents is the form of demo/reports-2025-03.yaml.
type demoEvents struct {
	Sites []struct {
		By   string     `json:"by"`
		At   time.Time  `json:"at"`
		Site truce.Site `json:"site"`
	} `json:"sites"`
	Reports []struct {
		By     string       `json:"by"`
		At     time.Time    `json:"at"`
		Report truce.Report `json:"report"`
	} `json:"reports"`
}

// demoReports returns the UCDP events the mediator imports as open-source
// reports, and the parties' own claims of March 2025 with the sites they
// name.
func demoReports(signers map[string]*truce.Signer, origin string) ([]*truce.Statement, error) {
	data, err := demoFiles.ReadFile("demo/data/ucdp_ged_energy_health.csv")
	if err != nil {
		return nil, err
	}
	res, err := importer.ReadReports(bytes.NewReader(data), "ucdp", importer.ReportOptions{SourceKind: truce.SourceOSINT})
	if err != nil {
		return nil, fmt.Errorf("demo UCDP events: %w", err)
	}
	out, err := signReports(signers["us"], origin, utc("2025-03-26T09:00:00Z"), res.Reports)
	if err != nil {
		return nil, err
	}
	var ev demoEvents
	if err := readDemoYAML("demo/reports-2025-03.yaml", &ev); err != nil {
		return nil, err
	}
	for _, s := range ev.Sites {
		st, err := truce.Sign(signers[s.By], origin, truce.KindSiteDeclare, s.At, truce.SiteDeclare{Site: s.Site})
		if err != nil {
			return nil, fmt.Errorf("demo site %s: %w", s.Site.ID, err)
		}
		out = append(out, st)
	}
	for _, r := range ev.Reports {
		st, err := truce.Sign(signers[r.By], origin, truce.KindReport, r.At, &r.Report)
		if err != nil {
			return nil, fmt.Errorf("demo report %s: %w", r.Report.ClientRef, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// readDemoYAML decodes an embedded YAML file into v, by way of JSON.
func readDemoYAML(file string, v any) error {
	data, err := demoFiles.ReadFile(file)
	if err != nil {
		return err
	}
	j, err := yamlToJSON(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := json.Unmarshal(j, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

func demoAgreement(file string) func() (any, error) {
	return func() (any, error) {
		data, err := demoFiles.ReadFile(file)
		if err != nil {
			return nil, err
		}
		a, err := decodeAgreement(data, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return truce.AgreementPropose{Agreement: *a}, nil
	}
}

func demoSign(version int, from string) func() (any, error) {
	return func() (any, error) {
		return truce.AgreementSign{Agreement: "energy-moratorium", Version: version, AcceptedFrom: utc(from)}, nil
	}
}

// demoSites reads the demo's registry files.
func demoSites() ([]truce.Site, error) {
	var sites []truce.Site
	for _, r := range demoRegistry {
		data, err := demoFiles.ReadFile(r.file)
		if err != nil {
			return nil, err
		}
		res, err := importer.Read(bytes.NewReader(data), r.format, r.opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.file, err)
		}
		sites = append(sites, res.Sites...)
	}
	return sites, nil
}
