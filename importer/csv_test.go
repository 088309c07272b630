package importer_test

import (
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

func TestCSVDefaults(t *testing.T) {
	// The default column names, as truce's own CSV export writes them.
	const in = "id,name,category,lat,lon,country,controller,operator,source\n" +
		"h1,City hospital,health.hospital,50.45,30.52,UA,,Kyiv city,Health ministry list\n" +
		"h2,Field hospital,health.hospital,47.1,37.5,UA,ru,,\n" +
		"h3,Other hospital,health.hospital,55.7,37.6,RU,,,\n"
	res := readString(t, in, "csv", importer.Options{Controllers: parties})
	checkSites(t, res, []want{
		{id: "h1", name: "City hospital", category: "health.hospital", controller: "ua", point: truce.Position{30.52, 50.45},
			operator: "Kyiv city", source: "Health ministry list"},
		// The controller column wins over the country.
		{id: "h2", controller: "ru"},
		{id: "h3", controller: "ru"},
	})
}

func TestCSVMapping(t *testing.T) {
	// The ACLED-like layout of a mediator's own list, mapped by options.
	const csv = "ref,title,kind,y,x,party,mw,shape\n" +
		"1,Dnipro dam,dam,47.87,35.09,UA,1500,\n" +
		"2,Substation Pivdenna,sub,46.5,30.7,UA,,\n" +
		"3,Gas line,gas_line,,,UA,,\"LINESTRING(30 50,31 51)\"\n"
	opts := importer.Options{
		Controllers:      parties,
		IDColumn:         "ref",
		NameColumn:       "title",
		LatColumn:        "y",
		LonColumn:        "x",
		CategoryColumn:   "kind",
		CountryColumn:    "party",
		AttributeColumns: []string{"mw"},
		IDPrefix:         "list:",
		Source:           "Mediator's list",
		Categories: map[string]truce.Category{
			"DAM":      "water.dam",
			"sub":      "energy.transmission.substation",
			"gas_line": "energy.gas.pipeline",
		},
	}
	// Row 3 has no coordinates: with latitude and longitude columns, it is
	// an error naming the line.
	mustFail(t, csv, "csv", opts, "line 4: y is empty")

	res := readString(t, csv[:len(csv)-len("3,Gas line,gas_line,,,UA,,\"LINESTRING(30 50,31 51)\"\n")], "csv", opts)
	checkSites(t, res, []want{
		{id: "list:1", name: "Dnipro dam", category: "water.dam", controller: "ua", source: "Mediator's list", attrs: map[string]string{"mw": "1500"}},
		{id: "list:2", category: "energy.transmission.substation", attrs: map[string]string{"mw": ""}},
	})

	// The same with a WKT column for every row.
	const wkt = "ref,title,kind,shape\n" +
		"1,Line,gas_line,\"LINESTRING(30 50,31 51)\"\n" +
		"2,Area,sub,\"POLYGON((30 50,31 50,31 51,30 50))\"\n" +
		"3,Spot,sub,POINT(30.5 50.5)\n" +
		"4,Lines,gas_line,\"MULTILINESTRING((30 50,31 51),(32 50,33 51))\"\n" +
		"5,Areas,sub,\"MULTIPOLYGON(((30 50,31 50,31 51,30 50)),((32 50,33 50,33 51,32 50)))\"\n"
	opts.WKTColumn, opts.LatColumn, opts.LonColumn, opts.CountryColumn, opts.AttributeColumns = "shape", "", "", "", nil
	opts.DefaultController = "ua"
	res = readString(t, wkt, "csv", opts)
	checkSites(t, res, []want{
		{id: "list:1", geometry: "LineString", category: "energy.gas.pipeline"},
		{id: "list:2", geometry: "Polygon"},
		{id: "list:3", geometry: "Point", point: truce.Position{30.5, 50.5}},
		{id: "list:4", geometry: "MultiLineString"},
		{id: "list:5", geometry: "MultiPolygon"},
	})

	// A fixed category needs no column.
	res = readString(t, "id,name,latitude,longitude\n7,Hospital 7,50,30\n", "csv", importer.Options{DefaultController: "ua", Category: "health.hospital"})
	checkSites(t, res, []want{{id: "7", category: "health.hospital"}})
}

func TestCSVBadRows(t *testing.T) {
	opts := importer.Options{DefaultController: "ua"}
	for _, tc := range []struct {
		name string
		opts importer.Options
		in   string
		want string
	}{
		{"no id column", opts, "name,category,lat,lon\nA,health.hospital,50,30\n", "the header has no id column (looked for id)"},
		{"no latitude column", opts, "id,name,category,y,x\n1,A,health.hospital,50,30\n", "no latitude column (looked for latitude, lat)"},
		{"named column missing", importer.Options{DefaultController: "ua", NameColumn: "title"}, "id,name,category,lat,lon\n1,A,health.hospital,50,30\n", `no column "title"`},
		{"attribute column missing", importer.Options{DefaultController: "ua", AttributeColumns: []string{"beds"}}, "id,name,category,lat,lon\n1,A,health.hospital,50,30\n", `no column "beds"`},
		{"unknown category", opts, "id,name,category,lat,lon\n1,A,health.hospital,50,30\n2,B,bakery,50,30\n", `line 3: unknown category "bakery"`},
		{"empty category", opts, "id,name,category,lat,lon\n1,A,,50,30\n", "line 2: the category is empty"},
		{"empty name", opts, "id,name,category,lat,lon\n1,  ,health.hospital,50,30\n", "line 2: Site 1: name is required"},
		{"bad controller", opts, "id,name,category,lat,lon,controller\n1,A,health.hospital,50,30,Kyiv\n", `line 2: Site 1: controller: Member id "Kyiv"`},
		{"self-crossing polygon", importer.Options{DefaultController: "ua", WKTColumn: "wkt"}, "id,name,category,wkt\n1,A,health.hospital,\"POLYGON((0 0,1 1,1 0,0 1,0 0))\"\n", "line 2: Site 1: Polygon 0 intersects itself"},
		{"open ring", importer.Options{DefaultController: "ua", WKTColumn: "wkt"}, "id,name,category,wkt\n1,A,health.hospital,\"POLYGON((0 0,1 1,1 0,0 1))\"\n", "line 2: Site 1: Polygon 0, ring 0 must be closed"},
		{"collection", importer.Options{DefaultController: "ua", WKTColumn: "wkt"}, "id,name,category,wkt\n1,A,health.hospital,\"GEOMETRYCOLLECTION(POINT(1 2))\"\n", "line 2: Geometry type GeometryCollection"},
		{"too many attributes", importer.Options{DefaultController: "ua", AttributeColumns: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"}},
			"id,name,category,lat,lon,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n1,A,health.hospital,50,30,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n", "line 2: Site 1 has 17 attributes"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "csv", tc.opts, tc.want) })
	}
}
