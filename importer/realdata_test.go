package importer_test

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// dataFile returns the path of a file of the shared data set (see its
// SOURCES.md), found in $TRUCE_DATA or /work/shared/data, or skips the
// test if it is not there.
func dataFile(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("TRUCE_DATA")
	if dir == "" {
		dir = "/work/shared/data"
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present", path)
	}
	return path
}

func countBy(res *importer.Result, key func(truce.Site) string) map[string]int {
	m := map[string]int{}
	for _, s := range res.Sites {
		m[key(s)]++
	}
	return m
}

func category(s truce.Site) string   { return string(s.Category) }
func controller(s truce.Site) string { return s.Controller }

func checkCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s %s: %d, want %d (all: %v)", what, k, got[k], n, got)
		}
	}
}

func TestRealGPPD(t *testing.T) {
	path := dataFile(t, "gppd_ukr_rus.csv")
	res := readFile(t, path, "gppd", importer.Options{Controllers: parties})
	if res.Rows != 609 || len(res.Sites) != 609 {
		t.Fatalf("%d rows, %d sites; want 609", res.Rows, len(res.Sites))
	}
	checkCounts(t, "controller", countBy(res, controller), map[string]int{"ua": 64, "ru": 545})

	// Ukraine alone: 64 sites, Russia's 545 rows skipped and counted.
	res = readFile(t, path, "gppd", importer.Options{Controllers: map[string]string{"UKR": "ua"}})
	if len(res.Sites) != 64 || res.Skipped != 545 || res.Reasons["country RUS maps to no party"] != 545 {
		t.Fatalf("%d sites, %d skipped: %v", len(res.Sites), res.Skipped, res.Reasons)
	}
	// WRI's own summary: coal 21 and gas 2 (thermal), solar 27, hydro 10,
	// nuclear 4; 48.57 GW.
	checkCounts(t, "category", countBy(res, category), map[string]int{
		"energy.generation.thermal": 23, "energy.generation.solar": 27, "energy.generation.hydro": 10, "energy.generation.nuclear": 4,
	})
	total := 0.0
	for _, s := range res.Sites {
		mw, _ := strconv.ParseFloat(s.Attributes["capacity_mw"], 64)
		total += mw
	}
	if math.Abs(total-48570) > 10 {
		t.Errorf("Ukraine's capacity %.0f MW, want about 48,570", total)
	}
}

func TestRealGeoNuclear(t *testing.T) {
	path := dataFile(t, "geonuclear_reactors_ua_ru.csv")
	res := readFile(t, path, "geonuclear", importer.Options{Controllers: parties})
	if len(res.Sites) != 77 {
		t.Fatalf("%d sites, want 77", len(res.Sites))
	}
	checkCounts(t, "controller", countBy(res, controller), map[string]int{"ua": 21, "ru": 56})
	ua := countBy(res, func(s truce.Site) string { return s.Controller + " " + s.Attributes["status"] })
	checkCounts(t, "status", ua, map[string]int{"ua Operational": 15, "ua Shutdown": 4, "ua Under Construction": 2})
}

func TestRealGridNodes(t *testing.T) {
	res := readFile(t, dataFile(t, "osm_hv_grid_nodes_ukraine_2017.csv"), "osm-grid-nodes", importer.Options{Controllers: crimea})
	// 139 substations, 1 sub_station, 9 stations, 9 plants; 178 joints
	// and 18 merges skipped.
	if res.Rows != 354 || len(res.Sites) != 158 || res.Skipped != 196 {
		t.Fatalf("%d rows, %d sites, %d skipped: %v", res.Rows, len(res.Sites), res.Skipped, res.Reasons)
	}
	checkCounts(t, "skipped", res.Reasons, map[string]int{"grid type joint is not a protected object": 178, "grid type merge is not a protected object": 18})
	got := countBy(res, category)
	if got["energy.transmission.substation"] < 140 || got["energy.generation.nuclear"] != 2 {
		t.Errorf("categories %v", got)
	}
	t.Logf("Ukraine grid nodes: %v; controllers %v", got, countBy(res, controller))

	res = readFile(t, dataFile(t, "osm_hv_grid_nodes_russia_2017.csv"), "osm-grid-nodes", importer.Options{DefaultController: "ru"})
	if res.Rows != 856 || len(res.Sites) != 856 {
		t.Fatalf("Russia: %d rows, %d sites", res.Rows, len(res.Sites))
	}
	t.Logf("Russia grid nodes: %v", countBy(res, category))
}

func TestRealGridLinks(t *testing.T) {
	res := readFile(t, dataFile(t, "osm_hv_grid_links_ukraine_2017.csv"), "osm-grid-links", importer.Options{DefaultController: "ua"})
	if len(res.Sites) != 525 {
		t.Fatalf("%d sites, want 525", len(res.Sites))
	}
	checkCounts(t, "category", countBy(res, category), map[string]int{"energy.transmission.line": 525})
}

func TestRealCandidates(t *testing.T) {
	res := readFile(t, dataFile(t, "protected_sites_ukraine_candidates.csv"), "truce-candidates", importer.Options{Controllers: crimea})
	if len(res.Sites) != 243 {
		t.Fatalf("%d sites, want 243", len(res.Sites))
	}
	got := countBy(res, category)
	// 25 nuclear (4 plants, 21 reactors); the 18 OpenStreetMap "power_plant"
	// rows are refined by name.
	checkCounts(t, "category", got, map[string]int{"energy.generation.solar": 27, "energy.generation.nuclear": 27})
	t.Logf("candidates: %v; controllers %v", got, countBy(res, controller))
}
