package importer_test

import (
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

func TestGPPD(t *testing.T) {
	res := readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controllers: parties})
	if len(res.Sites) != 30 || res.Skipped != 0 {
		t.Fatalf("%d sites, %d skipped; want 30, 0", len(res.Sites), res.Skipped)
	}
	checkSites(t, res, []want{
		{id: "gppd:WRI1005097", name: "Burshtyn power station", category: "energy.generation.thermal", controller: "ua",
			geometry: "Point", point: truce.Position{24.6665, 49.2104}, source: "WRI Global Power Plant Database v1.3.0",
			attrs: map[string]string{"capacity_mw": "2334", "primary_fuel": "Coal", "country": "UKR"}},
		{id: "gppd:WKS0062408", category: "energy.generation.solar", controller: "ua"},
		{id: "gppd:WRI1005120", category: "energy.generation.hydro"},
		{id: "gppd:WRI1005111", name: "Khmelnytska", category: "energy.generation.nuclear"},
		{id: "gppd:WRI1005126", category: "energy.generation.thermal", attrs: map[string]string{"primary_fuel": "Gas"}},
		{id: "gppd:WRI1023915", category: "energy.generation.nuclear", controller: "ru"},
		{id: "gppd:WRI1061717", category: "energy.generation.thermal", attrs: map[string]string{"primary_fuel": "Oil"}},
		{id: "gppd:WRI1003841", category: "energy.generation.wind"},
		{id: "gppd:WRI1061896", category: "energy.generation.other", attrs: map[string]string{"primary_fuel": "Biomass"}},
		{id: "gppd:WRI1061706", category: "energy.generation.other", attrs: map[string]string{"primary_fuel": "Geothermal"}},
		{id: "gppd:WRI1061832", category: "energy.generation.other", attrs: map[string]string{"primary_fuel": "Other"}},
		{id: "gppd:WRI1062125", name: `Diesel power station №1 of JSC "Salekhardenergo"`},
	})
	if s := byID(res)["gppd:WRI1005097"]; s.SourceRow != "WRI1005097" {
		t.Errorf("source row %q", s.SourceRow)
	}
}

func TestGPPDFullLayout(t *testing.T) {
	// The full database has more columns, in another order; the owner
	// becomes the operator.
	const in = "country,country_long,name,gppd_idnr,capacity_mw,latitude,longitude,primary_fuel,other_fuel1,commissioning_year,owner\n" +
		"UKR,Ukraine,Burshtyn power station,WRI1005097,2334.0,49.2104,24.6665,Coal,,1965,DTEK\n" +
		"UKR,Ukraine,Some cogeneration,X2,10,49,24,Cogeneration,,,\n" +
		"UKR,Ukraine,Some petcoke,X3,10,49,24,Petcoke,,,\n" +
		"UKR,Ukraine,Some storage,X4,10,49,24,Storage,,,\n"
	res := readString(t, in, "gppd", importer.Options{DefaultController: "ua"})
	checkSites(t, res, []want{
		{id: "gppd:WRI1005097", operator: "DTEK", attrs: map[string]string{"capacity_mw": "2334.0"}},
		{id: "gppd:X2", category: "energy.generation.thermal"},
		{id: "gppd:X3", category: "energy.generation.thermal"},
		{id: "gppd:X4", category: "energy.generation.other"},
	})
}

func TestGPPDControllers(t *testing.T) {
	// Only Ukraine mapped and no default: Russian rows are skipped.
	res := readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controllers: map[string]string{"ukr": "ua"}})
	if len(res.Sites) != 10 || res.Skipped != 20 || res.Reasons["country RUS maps to no party"] != 20 {
		t.Fatalf("%d sites, %d skipped (%v)", len(res.Sites), res.Skipped, res.Reasons)
	}
	// A default takes the rest.
	res = readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controllers: map[string]string{"UKR": "ua"}, DefaultController: "mediator"})
	if len(res.Sites) != 30 || byID(res)["gppd:WRI1023915"].Controller != "mediator" {
		t.Fatalf("%d sites", len(res.Sites))
	}
	// A function sees the country and the position.
	res = readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controller: func(country string, p truce.Position) string {
		if country == "UKR" && p.Lat() < 46 {
			return "ru"
		}
		if country == "UKR" {
			return "ua"
		}
		return ""
	}})
	if len(res.Sites) != 10 || byID(res)["gppd:WKS0062408"].Controller != "ru" || byID(res)["gppd:WRI1005097"].Controller != "ua" {
		t.Fatalf("%d sites: %+v", len(res.Sites), res.Sites)
	}
	// Prefix and source can be replaced.
	res = readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controllers: parties, IDPrefix: "wri:", Source: "GPPD 1.4"})
	if s, ok := byID(res)["wri:WRI1005097"]; !ok || s.Source != "GPPD 1.4" {
		t.Fatalf("prefix or source not applied: %+v", res.Sites[0])
	}
}

const gppdHeader = "country,name,latitude,longitude,capacity_mw,primary_fuel,gppd_idnr\n"

func TestGPPDBadRows(t *testing.T) {
	opts := importer.Options{Controllers: map[string]string{"UKR": "ua"}}
	for _, tc := range []struct{ name, in, want string }{
		{"missing column", "country,name,latitude,longitude,capacity_mw,gppd_idnr\nUKR,A,50,30,1,X\n", `line 1: the header has no column "primary_fuel"`},
		{"latitude out of range", gppdHeader + "UKR,A,50,30,1,Coal,X1\nUKR,B,91,30,1,Coal,X2\n", "line 3: latitude 91 is outside [-90, 90]"},
		{"longitude out of range", gppdHeader + "UKR,A,50,-180.5,1,Coal,X1\n", "line 2: longitude -180.5 is outside [-180, 180]"},
		{"NaN", gppdHeader + "UKR,A,NaN,30,1,Coal,X1\n", `line 2: latitude "NaN" is not a finite number`},
		{"infinity", gppdHeader + "UKR,A,50,+Inf,1,Coal,X1\n", `line 2: longitude "+Inf" is not a finite number`},
		{"not a number", gppdHeader + "UKR,A,fifty,30,1,Coal,X1\n", `line 2: latitude "fifty" is not a number`},
		{"hexadecimal", gppdHeader + "UKR,A,0x1p5,30,1,Coal,X1\n", `line 2: latitude "0x1p5" is not a number`},
		{"overflow", gppdHeader + "UKR,A,1e400,30,1,Coal,X1\n", `line 2: latitude "1e400" is not a number`},
		{"empty coordinate", gppdHeader + "UKR,A,,30,1,Coal,X1\n", "line 2: latitude is empty"},
		{"empty name", gppdHeader + "UKR,,50,30,1,Coal,X1\n", "line 2: Site gppd:X1: name is required"},
		{"empty id", gppdHeader + "UKR,A,50,30,1,Coal,\n", "line 2: gppd_idnr is empty"},
		{"bad id", gppdHeader + "UKR,A,50,30,1,Coal,X/1\n", `line 2: Site id "gppd:X/1" must be`},
		{"bad capacity", gppdHeader + "UKR,A,50,30,-5,Coal,X1\n", `line 2: capacity_mw "-5" is not a non-negative number`},
		{"control character", gppdHeader + "UKR,A\x01,50,30,1,Coal,X1\n", "line 2: Site gppd:X1: name contains a control character"},
		{"duplicate id", gppdHeader + "UKR,A,50,30,1,Coal,X1\nUKR,B,51,30,1,Coal,X1\n", "line 3: site id gppd:X1 is already used on line 2"},
		{"wrong field count", gppdHeader + "UKR,A,50,30,1,Coal,X1\nUKR,B,51,30\n", "line 3: wrong number of fields"},
		{"bad quote", gppdHeader + "UKR,\"A\"x,50,30,1,Coal,X1\n", "line 2:"},
		// A quoted field over two lines moves the line numbers on.
		{"line after a multi-line field", gppdHeader + "UKR,\"A\nB\",50,30,1,Coal,X1\nUKR,C,95,30,1,Coal,X2\n", "line 4: latitude 95"},
		// Rows that would be skipped are checked all the same.
		{"bad skipped row", gppdHeader + "RUS,A,50,300,1,Coal,X1\n", "line 2: longitude 300"},
		{"empty file", "", "The file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "gppd", opts, tc.want) })
	}
}

func TestGeoNuclear(t *testing.T) {
	res := readFile(t, "testdata/geonuclear.csv", "geonuclear", importer.Options{Controllers: parties})
	if len(res.Sites) != 14 {
		t.Fatalf("%d sites, want 14", len(res.Sites))
	}
	checkSites(t, res, []want{
		{id: "geonuclear:135", name: "Chernobyl-1", category: "energy.generation.nuclear", controller: "ua",
			point: truce.Position{30.103, 51.389}, source: "GeoNuclearData",
			attrs: map[string]string{"status": "Shutdown", "reactor_type": "LWGR", "reactor_model": "RBMK", "capacity_mw": "925", "iaea_id": "568", "country": "UA"}},
		{id: "geonuclear:379", controller: "ua", attrs: map[string]string{"status": "Operational"}},
		{id: "geonuclear:381", attrs: map[string]string{"status": "Under Construction"}},
		{id: "geonuclear:2", name: "Akademik Lomonosov-1", controller: "ru", point: truce.Position{170.30625, 69.709579}},
		// Planned, no capacity yet: the attribute is left out.
		{id: "geonuclear:50", attrs: map[string]string{"status": "Planned", "capacity_mw": ""}},
	})
}

func TestGeoNuclearBadRows(t *testing.T) {
	const header = "Id,Name,Latitude,Longitude,Country,CountryCode,Status,ReactorType,ReactorModel,ConstructionStartAt,OperationalFrom,OperationalTo,Capacity,LastUpdatedAt,Source,IAEAId\n"
	opts := importer.Options{Controllers: parties}
	for _, tc := range []struct{ name, in, want string }{
		{"missing column", "Id,Name,Latitude,Longitude,CountryCode,Status,ReactorType\n1,A,50,30,UA,Operational,PWR\n", `the header has no column "capacity"`},
		{"bad capacity", header + "1,A,50,30,Ukraine,UA,Operational,PWR,,,,,lots,,,\n", `line 2: Capacity "lots"`},
		{"empty id", header + ",A,50,30,Ukraine,UA,Operational,PWR,,,,,1,,,\n", "line 2: Id is empty"},
		{"latitude", header + "1,A,-90.0001,30,Ukraine,UA,Operational,PWR,,,,,1,,,\n", "line 2: latitude -90.0001 is outside"},
		{"duplicate", header + "1,A,50,30,Ukraine,UA,Operational,PWR,,,,,1,,,\n1,B,50,30,Ukraine,UA,Operational,PWR,,,,,1,,,\n", "line 3: site id geonuclear:1 is already used on line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "geonuclear", opts, tc.want) })
	}
}
