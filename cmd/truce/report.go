package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// reportFlags are the flags that compose a report without a file.
type reportFlags struct {
	lat, lon, radius              *float64
	start, end, act, accused      *string
	sourceKind, text, place       *string
	timePrecision, placePrecision *string
	target, damage, clientRef     *string
	killed, injured               *int
	sites, evidence               keysFlag
}

func (m *Main) runReport(ctx context.Context, args []string) error {
	fs := m.flagSet("report", "report --key KEYFILE [--server URL] (FILE.yaml | --lat LAT --lon LON --start TIME --act ACT --source-kind KIND [flags])",
		"Composes a report, signs it with KEYFILE and submits it; prints the receipt. The report\n"+
			"comes from a YAML or JSON file (the fields of docs/reports.md) or from the flags below.\n"+
			"Evidence files are hashed here (SHA-256); their bytes never leave this machine.\n"+
			"Acts: "+joinActs()+".\n"+
			"Example:\n\n"+
			"  truce report --key keys/ua.key --lat 47.512 --lon 34.586 --radius 500 \\\n"+
			"    --start 2025-03-20T03:10:00Z --act drone_strike --accused ru --source-kind party \\\n"+
			"    --text \"Drone struck the cooling pond pumping station\"")
	key := fs.String("key", "", "the reporter's key file (required)")
	server := m.serverFlag(fs)
	f := reportFlags{
		lat: fs.Float64("lat", 0, "latitude of the event, decimal degrees"), lon: fs.Float64("lon", 0, "longitude, decimal degrees"),
		radius:         fs.Float64("radius", 1000, "uncertainty around the point, metres"),
		start:          fs.String("start", "", "when it began, RFC 3339"),
		end:            fs.String("end", "", "when it ended, RFC 3339 (default: --start)"),
		act:            fs.String("act", "", "what was done: "+joinActs()),
		accused:        fs.String("accused", "", "member ids of the parties the reporter accuses, comma-separated (optional)"),
		sourceKind:     fs.String("source-kind", "", "party, monitor, osint, sensor, civil_society or mediator"),
		text:           fs.String("text", "", "what happened, in the reporter's words"),
		place:          fs.String("place", "", "the place's name"),
		timePrecision:  fs.String("time-precision", "", "minute, hour, day or range (default: minute, or range when --end differs)"),
		placePrecision: fs.String("place-precision", "", "exact, near, district or region (default from --radius)"),
		target:         fs.String("target", "", "what was hit, in words"),
		damage:         fs.String("damage", "unknown", "none, minor, moderate, severe, destroyed or unknown"),
		clientRef:      fs.String("client-ref", "", "the reporter's own reference; a second report with it is refused"),
		killed:         fs.Int("killed", -1, "people killed, if known"),
		injured:        fs.Int("injured", -1, "people injured, if known"),
	}
	fs.Var(&f.sites, "site", "a protected site id the report names as hit (repeatable)")
	fs.Var(&f.evidence, "evidence", "an evidence file to hash (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return usagef("report: --key is required")
	}
	var r *truce.Report
	var err error
	if fs.NArg() == 1 {
		r, err = readReport(fs.Arg(0))
	} else if fs.NArg() == 0 {
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		if !set["lat"] || !set["lon"] {
			return usagef("report: give a FILE, or --lat and --lon with the other flags")
		}
		r, err = m.composeReport(&f)
	} else {
		return usagef("report: one FILE at most")
	}
	if err != nil {
		return err
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	receipt, err := m.signAndSubmit(ctx, c, *key, truce.KindReport, r)
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, receipt)
}

func joinActs() string {
	s := make([]string, 0, len(truce.Acts()))
	for _, a := range truce.Acts() {
		s = append(s, string(a))
	}
	return strings.Join(s, ", ")
}

// composeReport builds a report from the flags.
func (m *Main) composeReport(f *reportFlags) (*truce.Report, error) {
	if *f.start == "" || *f.act == "" || *f.sourceKind == "" {
		return nil, usagef("report: give a FILE, or at least --lat, --lon, --start, --act and --source-kind")
	}
	start, err := m.parseTime("--start", *f.start)
	if err != nil {
		return nil, err
	}
	end := start
	if *f.end != "" {
		if end, err = m.parseTime("--end", *f.end); err != nil {
			return nil, err
		}
	}
	r := &truce.Report{
		ClientRef: *f.clientRef,
		When:      truce.When{Start: start, End: end, Precision: defaultTimePrecision(*f.timePrecision, start != end)},
		Where: truce.Where{Lat: *f.lat, Lon: *f.lon, RadiusMetres: *f.radius,
			Precision: defaultPlacePrecision(*f.placePrecision, *f.radius), Place: *f.place},
		Act:        truce.Act(*f.act),
		Target:     truce.Target{Text: *f.target, Sites: f.sites},
		Damage:     truce.Damage{Level: *f.damage},
		Casualties: truce.Casualties{Precision: "unknown"},
		SourceKind: truce.SourceKind(*f.sourceKind),
		Text:       *f.text,
	}
	if *f.accused != "" {
		for _, a := range strings.Split(*f.accused, ",") {
			r.Accused = append(r.Accused, strings.TrimSpace(a))
		}
	}
	r.Casualties = casualties(*f.killed, *f.injured)
	for _, path := range f.evidence {
		e, err := hashEvidence(path)
		if err != nil {
			return nil, err
		}
		r.Evidence = append(r.Evidence, e)
	}
	return r, r.Validate()
}

func defaultTimePrecision(flag string, isRange bool) string {
	switch {
	case flag != "":
		return flag
	case isRange:
		return "range"
	}
	return "minute"
}

func defaultPlacePrecision(flag string, radius float64) string {
	switch {
	case flag != "":
		return flag
	case radius <= 1000:
		return "exact"
	case radius <= 25000:
		return "near"
	case radius <= 100000:
		return "district"
	}
	return "region"
}

func casualties(killed, injured int) truce.Casualties {
	c := truce.Casualties{Precision: "unknown"}
	if killed >= 0 {
		c.Killed, c.Precision = &killed, "estimate"
	}
	if injured >= 0 {
		c.Injured, c.Precision = &injured, "estimate"
	}
	return c
}

// hashEvidence returns the evidence entry of a file: its SHA-256 and its
// media type by extension.
func hashEvidence(path string) (truce.Evidence, error) {
	f, err := os.Open(path)
	if err != nil {
		return truce.Evidence{}, truce.Errorf(truce.EINVALID, "Cannot read evidence file: %v.", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return truce.Evidence{}, truce.Errorf(truce.EINVALID, "Cannot read evidence file %s: %v.", path, err)
	}
	mt := mime.TypeByExtension(strings.ToLower(filepath.Ext(path)))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	if mt == "" {
		mt = "application/octet-stream"
	}
	return truce.Evidence{SHA256: hex.EncodeToString(h.Sum(nil)), MediaType: mt}, nil
}

// readReport reads a report from a YAML or JSON file, as strictly as the
// service decodes it.
func readReport(path string) (*truce.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Cannot read %s: %v.", path, err)
	}
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		if data, err = yamlToJSON(data); err != nil {
			return nil, truce.Errorf(truce.EINVALID, "%s: %s", path, truce.ErrorMessage(err))
		}
	}
	r, err := truce.DecodeReport(data)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "%s: %s", path, truce.ErrorMessage(err))
	}
	return r, nil
}
