package importer_test

import (
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// crimea maps Ukraine's subdivisions, with Crimea and Sevastopol under
// the other party's control.
var crimea = map[string]string{"UA": "ua", "UA-43": "ru", "UA-40": "ru"}

func TestGridNodes(t *testing.T) {
	res := readFile(t, "testdata/grid_nodes_ukraine.csv", "osm-grid-nodes", importer.Options{Controllers: crimea})
	if len(res.Sites) != 17 || res.Skipped != 13 ||
		res.Reasons["grid type joint is not a protected object"] != 8 || res.Reasons["grid type merge is not a protected object"] != 5 {
		t.Fatalf("%d sites, %d skipped: %v", len(res.Sites), res.Skipped, res.Reasons)
	}
	checkSites(t, res, []want{
		{id: "osm-hv:76536", name: "Substation osm-hv:76536", category: "energy.transmission.substation", controller: "ua",
			point: truce.Position{30.6581655826636, 46.512104939717}, source: "OpenStreetMap via ComplexNetTSP/Power_grids (2017)",
			attrs: map[string]string{"grid_type": "substation", "oblast": "Odesa Oblast", "iso_3166_2": "UA-51"}},
		{id: "osm-hv:67638", attrs: map[string]string{"voltage": "750000;330000"}},
		{id: "osm-hv:93571", name: "Нововолинськ", category: "energy.transmission.substation"},
		{id: "osm-hv:116434", name: "Кураховська ТЭС", category: "energy.generation.thermal"},
		{id: "osm-hv:56242", category: "energy.generation.hydro"},
		{id: "osm-hv:37857", name: "Рівненська АЕС", category: "energy.generation.nuclear", operator: "НАЕК Енергоатом"},
		// Stations are substations unless the name says otherwise.
		{id: "osm-hv:104924", name: "Тяговая ПС", category: "energy.transmission.substation", controller: "ru"},
		{id: "osm-hv:93943", name: "Західна", category: "energy.transmission.substation"},
		{id: "osm-hv:58446", controller: "ru"},
	})
	if _, ok := byID(res)["osm-hv:318078"]; ok {
		t.Error("a joint was imported")
	}
}

func TestGridNodesNoCountry(t *testing.T) {
	// The Russian file has no subdivision column: a default decides.
	const in = "v_id,lon,lat,typ,voltage,frequency,name,operator,ref,source,n_gen,capacity,net_capacity\n" +
		"4659,82.98,54.85,plant,,,Новосибирская ГЭС,,,,,,\n" +
		"143,44.57,48.77,substation,,,,,,,,,\n"
	res := readString(t, in, "osm-grid-nodes", importer.Options{DefaultController: "ru"})
	checkSites(t, res, []want{
		{id: "osm-hv:4659", category: "energy.generation.hydro", controller: "ru"},
		{id: "osm-hv:143", controller: "ru"},
	})
	res = readString(t, in, "osm-grid-nodes", importer.Options{Controllers: crimea})
	if res.Skipped != 2 || res.Reasons["no country given and no default controller"] != 2 {
		t.Fatalf("%v", res.Reasons)
	}
}

func TestGridNodesBadRows(t *testing.T) {
	const header = "v_id,lon,lat,typ,voltage,frequency,name\n"
	opts := importer.Options{DefaultController: "ua"}
	for _, tc := range []struct{ name, in, want string }{
		{"missing typ", "v_id,lon,lat,name\n1,30,50,A\n", `no column "typ"`},
		{"lat out of range", header + "1,30,50,substation,,,A\n2,30,-91,joint,,,\n", "line 3: lat -91 is outside"},
		{"swapped columns", header + "1,50,330,substation,,,A\n", "line 2: lat 330 is outside"},
		{"duplicate", header + "1,30,50,substation,,,A\n1,30,50,joint,,,\n", "line 3: site id osm-hv:1 is already used on line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "osm-grid-nodes", opts, tc.want) })
	}
}

func TestGridLinks(t *testing.T) {
	res := readFile(t, "testdata/grid_links_ukraine.csv", "osm-grid-links", importer.Options{DefaultController: "ua"})
	if len(res.Sites) != 10 {
		t.Fatalf("%d sites", len(res.Sites))
	}
	checkSites(t, res, []want{
		{id: "osm-hv:link:382200", name: "Power line osm-hv:link:382200", category: "energy.transmission.line", controller: "ua",
			geometry: "LineString", attrs: map[string]string{"voltage": "330000", "cables": "3", "from_node": "120389", "to_node": "358828", "length_m": "70089.0554908508"}},
		{id: "osm-hv:link:101941", attrs: map[string]string{"voltage": "750000"}},
	})
	l := byID(res)["osm-hv:link:382200"].Geometry.Lines[0]
	if len(l) != 2 || l[0] != (truce.Position{31.8106969592777, 47.1284367103868}) || l[1] != (truce.Position{31.0450960148375, 46.9040389593596}) {
		t.Errorf("line %v", l)
	}
	// With the position, a function can place each line.
	res = readFile(t, "testdata/grid_links_ukraine.csv", "osm-grid-links", importer.Options{Controller: func(country string, p truce.Position) string {
		if country != "" {
			t.Errorf("country %q", country)
		}
		if p.Lon() > 35 {
			return "ru"
		}
		return "ua"
	}})
	if c := byID(res)["osm-hv:link:829541"].Controller; c != "ru" {
		t.Errorf("controller %s", c)
	}
}

func TestGridLinksBadRows(t *testing.T) {
	const header = "l_id,v_id_1,v_id_2,voltage,length_m,wkt_srid_4326\n"
	opts := importer.Options{DefaultController: "ua"}
	for _, tc := range []struct{ name, in, want string }{
		{"missing wkt", "l_id,voltage\n1,330000\n", `no column "wkt_srid_4326"`},
		{"empty wkt", header + "1,2,3,330000,10,\n", "line 2: The WKT geometry is empty"},
		{"malformed wkt", header + "1,2,3,330000,10,\"SRID=4326;LINESTRING(30 50,31)\"\n", "line 2: The WKT geometry is malformed"},
		{"other srid", header + "1,2,3,330000,10,\"SRID=3857;LINESTRING(30 50,31 51)\"\n", "line 2: WKT SRID=3857: only SRID=4326"},
		{"one point", header + "1,2,3,330000,10,SRID=4326;LINESTRING(30 50)\n", "line 2: Site osm-hv:link:1: Line 0 has 1 positions"},
		{"out of range", header + "1,2,3,330000,10,\"SRID=4326;LINESTRING(30 50,31 95)\"\n", "line 2: Site osm-hv:link:1: Latitude 95 is outside"},
		{"NaN", header + "1,2,3,330000,10,\"LINESTRING(30 50,NaN 51)\"\n", "line 2: Site osm-hv:link:1: Coordinates must be finite"},
		{"multipoint", header + "1,2,3,330000,10,\"MULTIPOINT((30 50),(31 51))\"\n", "line 2: Geometry type MultiPoint is not one of"},
		{"bad length", header + "1,2,3,330000,long,\"LINESTRING(30 50,31 51)\"\n", `line 2: length_m "long"`},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "osm-grid-links", opts, tc.want) })
	}
}

func TestCandidates(t *testing.T) {
	res := readFile(t, "testdata/candidates.csv", "truce-candidates", importer.Options{Controllers: crimea})
	if len(res.Sites) != 27 {
		t.Fatalf("%d sites", len(res.Sites))
	}
	checkSites(t, res, []want{
		{id: "gppd:WRI1005097", name: "Burshtyn power station", category: "energy.generation.thermal", controller: "ua", source: "WRI GPPD v1.3.0",
			attrs: map[string]string{"fuel": "Coal", "capacity_mw": "2334", "oblast": "Ivano-Frankivsk Oblast", "licence": "CC-BY-4.0"}},
		{id: "gppd:WKS0062408", category: "energy.generation.solar"},
		{id: "gppd:WRI1005120", category: "energy.generation.hydro"},
		{id: "gppd:WRI1005111", category: "energy.generation.nuclear"},
		{id: "geonuclear:135", category: "energy.generation.nuclear", source: "GeoNuclearData (cristianst85)", attrs: map[string]string{"status": "Shutdown"}},
		{id: "osm-hv:76536", name: "Substation osm-hv:76536", category: "energy.transmission.substation",
			source: "OSM via ComplexNetTSP/Power_grids (2017)", attrs: map[string]string{"voltage": ""}},
		{id: "osm-hv:67638", attrs: map[string]string{"voltage": "750000;330000"}},
		// power_plant is refined by the name.
		{id: "osm-hv:104924", name: "Тяговая ПС", category: "energy.transmission.substation", controller: "ru"},
		{id: "osm-hv:116434", category: "energy.generation.thermal"},
		{id: "osm-hv:77158", name: "Power plant osm-hv:77158", category: "energy.generation.other"},
		{id: "osm-hv:59543", controller: "ru"},
	})
	// The ids are those of the source files, so a site imported from the
	// candidates and from its own registry is the same site.
	gppd := readFile(t, "testdata/gppd.csv", "gppd", importer.Options{Controllers: parties})
	nodes := readFile(t, "testdata/grid_nodes_ukraine.csv", "osm-grid-nodes", importer.Options{Controllers: crimea})
	for _, id := range []string{"gppd:WRI1005097", "osm-hv:76536", "osm-hv:116434"} {
		a, b := byID(res)[id], byID(gppd)[id]
		if _, ok := byID(gppd)[id]; !ok {
			b = byID(nodes)[id]
		}
		if a.Category != b.Category || a.Geometry.Point != b.Geometry.Point {
			t.Errorf("%s: %v %v differs from %v %v", id, a.Category, a.Geometry.Point, b.Category, b.Geometry.Point)
		}
	}
}

func TestCandidatesBadRows(t *testing.T) {
	const header = "site_id,name,site_type,fuel,capacity_mw,latitude,longitude,oblast_en,iso_3166_2,source,licence\n"
	opts := importer.Options{Controllers: crimea}
	for _, tc := range []struct{ name, in, want string }{
		{"unknown type", header + "x:1,A,windmill,,,50,30,,UA-51,,\n", `line 2: unknown site_type "windmill"`},
		{"bad id", header + "x 1,A,substation,,,50,30,,UA-51,,\n", `line 2: Site id "x 1" must be`},
		{"empty id", header + ",A,substation,,,50,30,,UA-51,,\n", "line 2: site_id is empty"},
		{"coordinates", header + "x:1,A,substation,,,50,30,,UA-51,,\nx:2,B,substation,,,500,30,,UA-51,,\n", "line 3: latitude 500"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "truce-candidates", opts, tc.want) })
	}
	// A category name is accepted as the site type.
	res := readString(t, header+"x:1,A,health.hospital,,,50,30,,UA-51,,\n", "truce-candidates", opts)
	if res.Sites[0].Category != "health.hospital" || res.Sites[0].Source != "Truce candidate registry" {
		t.Errorf("%+v", res.Sites[0])
	}
}
