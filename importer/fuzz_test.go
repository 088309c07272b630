package importer_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// fuzzRead reads data in a format and checks what must hold whatever the
// input: no panic, every error a *truce.Error, every site valid.
func fuzzRead(t *testing.T, data []byte, format string, opts importer.Options, seekable bool) {
	var r = bytes.NewReader(data)
	var res *importer.Result
	var err error
	if seekable {
		res, err = importer.Read(r, format, opts)
	} else {
		res, err = importer.Read(onlyReader{r}, format, opts)
	}
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
	checkResult(t, res)
}

func addFile(f *testing.F, path string, args ...any) {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]any{data}, args...)...)
}

var fuzzOpts = importer.Options{Controllers: parties}

func FuzzGPPD(f *testing.F) {
	addFile(f, "testdata/gppd.csv")
	f.Add([]byte(gppdHeader + "UKR,A,50,30,1,Coal,X1\nUKR,B,NaN,30,1,Coal,X2\n"))
	f.Add([]byte(gppdHeader + "UKR,\"A\nB\",50,30,1e400,Coal,X1\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "gppd", fuzzOpts, true) })
}

func FuzzGeoNuclear(f *testing.F) {
	addFile(f, "testdata/geonuclear.csv")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "geonuclear", fuzzOpts, true) })
}

// FuzzCSV covers the generic layout, with coordinates or WKT, and the
// presets built on it.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("id,name,category,lat,lon,country,controller\nh1,H,health.hospital,50,30,UA,\nh2,H2,water.dam,50,30,,ru\n"), uint8(0))
	f.Add([]byte("id,name,category,wkt\n1,A,energy.gas.pipeline,\"LINESTRING(30 50,31 51)\"\n2,B,water.dam,\"POLYGON((30 50,31 50,31 51,30 50))\"\n"), uint8(1))
	addFile(f, "testdata/grid_nodes_ukraine.csv", uint8(2))
	addFile(f, "testdata/grid_links_ukraine.csv", uint8(3))
	addFile(f, "testdata/candidates.csv", uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, layout uint8) {
		opts := fuzzOpts
		opts.DefaultController = "mediator"
		format := "csv"
		switch layout % 5 {
		case 1:
			opts.WKTColumn = "wkt"
		case 2:
			format = "osm-grid-nodes"
		case 3:
			format = "osm-grid-links"
		case 4:
			format = "truce-candidates"
		}
		fuzzRead(t, data, format, opts, true)
	})
}

func FuzzGeoJSON(f *testing.F) {
	addFile(f, "testdata/sites.geojson")
	f.Add([]byte(`{"type": "Feature", "properties": {"id": 1, "name": "H", "category": "health.hospital"}, "geometry": {"type": "Point", "coordinates": [30, 50]}}`))
	f.Add([]byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "GeometryCollection", "geometries": []}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := fuzzOpts
		opts.AttributeColumns = []string{"capacity_mw", "units"}
		fuzzRead(t, data, "geojson", opts, true)
	})
}

func FuzzOSMXML(f *testing.F) {
	addFile(f, "testdata/extract.osm", false)
	f.Add([]byte(osmHead+`<node id="1" lat="50" lon="30"/><node id="2" lat="50.1" lon="30"/><node id="3" lat="50.1" lon="30.1"/>
		<way id="5"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="power" v="substation"/></way></osm>`), true)
	f.Fuzz(func(t *testing.T, data []byte, seekable bool) {
		fuzzRead(t, data, "osm", importer.Options{DefaultController: "ua"}, seekable)
	})
}
