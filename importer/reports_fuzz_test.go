package importer_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// fuzzReports reads data in a format and checks what must hold whatever
// the input: no panic, every error a *truce.Error with no result, every
// report valid, with the format's client_ref prefix.
func fuzzReports(t *testing.T, data []byte, format, prefix string, opts importer.ReportOptions) {
	res, err := importer.ReadReports(bytes.NewReader(data), format, opts)
	if err != nil {
		var te *truce.Error
		if !errors.As(err, &te) {
			t.Fatalf("%s: error %v (%T) is not a *truce.Error", format, err, err)
		}
		if res != nil {
			t.Fatalf("%s: a result with an error", format)
		}
		return
	}
	checkReports(t, res)
	for _, r := range res.Reports {
		if !strings.HasPrefix(r.ClientRef, prefix) || r.SourceKind == "" {
			t.Fatalf("%s: client_ref %q, source kind %q", format, r.ClientRef, r.SourceKind)
		}
	}
}

// fuzzReportOptions varies the options by a byte of the fuzzer's input.
func fuzzReportOptions(layout uint8) importer.ReportOptions {
	opts := importer.ReportOptions{Accused: actors}
	if layout&1 != 0 {
		opts.From = time.Date(2022, 2, 24, 0, 0, 0, 0, time.UTC)
		opts.Until = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	}
	if layout&2 != 0 {
		opts.TimeZone = time.FixedZone("EET", 2*60*60)
	}
	if layout&4 != 0 {
		opts.AccusedFunc = func(actor string) string { return strings.ToLower(strings.TrimSpace(actor)) }
	}
	return opts
}

func FuzzUCDP(f *testing.F) {
	addFile(f, "testdata/reports/ucdp_ged.csv", uint8(0))
	f.Add([]byte(ucdpRow("2022-03-01 00:00:00.000", "2022-03-01", "1", "6", "drone attack")), uint8(1))
	f.Add([]byte(ucdpRow("2018-01-01", "2018-12-31", "5", "7", "\x00\xff shelling")), uint8(3))
	f.Add([]byte("id,date_start,date_end,date_prec,where_prec,latitude,longitude,best,side_a\n1,2022-03-01,2022-03-01,1,1,1e1,-0,0,ua\n"), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, layout uint8) {
		fuzzReports(t, data, "ucdp", "ucdp:", fuzzReportOptions(layout))
	})
}

func FuzzACLED(f *testing.F) {
	addFile(f, "testdata/reports/acled.csv", uint8(0))
	f.Add([]byte("event_id_cnty,event_date,time_precision,geo_precision,latitude,longitude,sub_event_type,actor1\nX1,29 February 2024,3,3,50,30,Air/drone strike,ru\n"), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, layout uint8) {
		fuzzReports(t, data, "acled", "acled:", fuzzReportOptions(layout))
	})
}

func FuzzReportCSV(f *testing.F) {
	addFile(f, "testdata/reports/generic.csv", uint8(0))
	f.Add([]byte("id,start,end,lat,lon,radius_m,time_precision,place_precision,act,damage,killed,injured,accused,casualties_precision\n"+
		"a,2025-03-18T04:20:00+02:00,2025-03-18 05:00,50,30,1e3,hour,near,Missile strike,none,0,1,ua;ru,exact\n"), uint8(8))
	f.Fuzz(func(t *testing.T, data []byte, layout uint8) {
		opts := fuzzReportOptions(layout)
		if layout&8 != 0 {
			opts.IDPrefix = "x:"
			opts.Columns = importer.ReportColumns{Actors: []string{"accused"}, Acts: map[string]truce.Act{"missile strike": "missile_strike"}}
		}
		fuzzReports(t, data, "csv", opts.IDPrefix, opts)
	})
}
