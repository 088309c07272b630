package importer_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// TestUCDPRealData reads the whole UCDP GED extract of the shared data
// set, from the full-scale invasion on.
func TestUCDPRealData(t *testing.T) {
	path := dataFile(t, "ucdp_ged_ukraine_2014_2023.csv")
	all := readReportsFile(t, path, "ucdp", importer.ReportOptions{Accused: actors})
	wantAll := map[string]int{
		"date_prec 5: the dates span more than 31 days": 52,
		"where_prec 6: only the country is known":       36,
	}
	if all.Rows != 3883 || len(all.Reports) != 3795 || fmt.Sprint(all.Reasons) != fmt.Sprint(wantAll) {
		t.Fatalf("%d rows, %d reports, reasons %v", all.Rows, len(all.Reports), all.Reasons)
	}

	from := time.Date(2022, 2, 24, 0, 0, 0, 0, time.UTC)
	res := readReportsFile(t, path, "ucdp", importer.ReportOptions{Accused: actors, From: from})
	want := map[string]int{
		"ends before 2022-02-24T00:00:00Z":              2989,
		"date_prec 5: the dates span more than 31 days": 16,
		"where_prec 6: only the country is known":       34,
	}
	if res.Rows != 3883 || len(res.Reports) != 844 || fmt.Sprint(res.Reasons) != fmt.Sprint(want) {
		t.Fatalf("%d rows, %d reports, reasons %v", res.Rows, len(res.Reports), res.Reasons)
	}
	count := func(key func(truce.Report) string) map[string]int {
		m := map[string]int{}
		for _, r := range res.Reports {
			m[key(r)]++
		}
		return m
	}
	byTime := count(func(r truce.Report) string { return r.When.Precision })
	byPlace := count(func(r truce.Report) string { return r.Where.Precision })
	byAccused := count(func(r truce.Report) string { return strings.Join(r.Accused, ",") })
	byAct := count(func(r truce.Report) string { return string(r.Act) })
	t.Logf("from 2022-02-24: %d reports; time %v; place %v; accused %v; acts %v", len(res.Reports), byTime, byPlace, byAccused, byAct)
	// date_prec 1 is day, 2 to 4 range; where_prec 1 exact, 2 near, 3
	// district, 4 and 5 region.
	if byTime["day"] != 455 || byTime["range"] != 389 {
		t.Errorf("time precisions %v", byTime)
	}
	if byPlace["exact"] != 313 || byPlace["near"] != 296 || byPlace["district"] != 22 || byPlace["region"] != 213 {
		t.Errorf("place precisions %v", byPlace)
	}
	if byAccused["ru,ua"] != 823 || byAccused["ua"] != 20 || byAccused["ru"] != 1 {
		t.Errorf("accused %v", byAccused)
	}
}
