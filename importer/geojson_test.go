package importer_test

import (
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

func TestGeoJSON(t *testing.T) {
	res := readFile(t, "testdata/sites.geojson", "geojson", importer.Options{Controllers: parties, AttributeColumns: []string{"capacity_mw", "units"}})
	if len(res.Sites) != 7 {
		t.Fatalf("%d sites", len(res.Sites))
	}
	checkSites(t, res, []want{
		{id: "gppd:WRI1005097", name: "Burshtyn power station", category: "energy.generation.thermal", controller: "ua",
			point: truce.Position{24.6665, 49.2104}, attrs: map[string]string{"capacity_mw": "2334"}},
		{id: "gppd:WRI1005111", attrs: map[string]string{"units": "[1,2]"}},
		{id: "gppd:WRI1023915", controller: "ru"},
		{id: "42", geometry: "LineString", controller: "ua", operator: "Test operator"},
		{id: "test:area", geometry: "Polygon", category: "energy.transmission.substation"},
		{id: "test:lines", geometry: "MultiLineString"},
		{id: "test:areas", geometry: "MultiPolygon"},
	})
	// Property names are options; a single Feature is read too.
	const one = `{"type": "Feature", "properties": {"ref": "A1", "title": "Hospital", "kind": "hosp"},
		"geometry": {"type": "Point", "coordinates": [30, 50]}}`
	res = readString(t, one, "geojson", importer.Options{DefaultController: "ua", IDColumn: "ref", NameColumn: "title", CategoryColumn: "kind",
		Categories: map[string]truce.Category{"hosp": "health.hospital"}, IDPrefix: "moh:", Source: "Ministry"})
	checkSites(t, res, []want{{id: "moh:A1", name: "Hospital", category: "health.hospital", source: "Ministry"}})
	// An altitude is allowed, and dropped.
	res = readString(t, `{"type": "Feature", "properties": {"id": 1, "name": "H", "category": "health.hospital"},
		"geometry": {"type": "Point", "coordinates": [30, 50, 120.5]}}`, "geojson", importer.Options{DefaultController: "ua"})
	checkSites(t, res, []want{{id: "1", point: truce.Position{30, 50}}})
}

func TestGeoJSONBadFeatures(t *testing.T) {
	opts := importer.Options{DefaultController: "ua"}
	feature := func(props, geometry string) string {
		return `{"type": "Feature", "properties": ` + props + `, "geometry": ` + geometry + `}`
	}
	good := feature(`{"id": "a", "name": "A", "category": "health.hospital"}`, `{"type": "Point", "coordinates": [30, 50]}`)
	collection := func(second string) string {
		return "{\"type\": \"FeatureCollection\",\n\"features\": [\n" + good + ",\n" + second + "\n]}"
	}
	point := `{"type": "Point", "coordinates": [30, 50]}`
	for _, tc := range []struct{ name, in, want string }{
		{"not json", "nope", "line 1: the file is not a GeoJSON object"},
		{"not a collection", `{"type": "Topology", "features": []}`, `GeoJSON type "Topology" is not FeatureCollection`},
		{"features not an array", `{"type": "FeatureCollection", "features": {}}`, "features is not an array"},
		{"trailing data", `{"type": "FeatureCollection", "features": []} {}`, "data after the GeoJSON object"},
		{"truncated", "{\"type\": \"FeatureCollection\",\n\"features\": [\n" + good, "line 3: malformed"},
		{"unknown category", collection(feature(`{"id": "b", "name": "B", "category": "bakery"}`, point)), `feature 2 (line 4): unknown category "bakery"`},
		{"no id", collection(feature(`{"name": "B", "category": "health.hospital"}`, point)), "feature 2 (line 4): the feature has no id"},
		{"object id", collection(feature(`{"id": {"x": 1}, "name": "B", "category": "health.hospital"}`, point)), "feature 2 (line 4): property id must be a string or a number"},
		{"no name", collection(feature(`{"id": "b", "category": "health.hospital"}`, point)), "feature 2 (line 4): Site b: name is required"},
		{"duplicate id", collection(feature(`{"id": "a", "name": "B", "category": "health.hospital"}`, point)), "feature 2 (line 4): site id a is already used on feature 1 (line 3)"},
		{"no geometry", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, "null")), "feature 2 (line 4): The geometry is missing"},
		{"out of range", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "Point", "coordinates": [30, 91]}`)), "feature 2 (line 4): Site b: Latitude 91 is outside"},
		{"multipoint", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "MultiPoint", "coordinates": [[30, 50]]}`)), "feature 2 (line 4): Geometry type MultiPoint"},
		{"bad geometry type", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "Circle", "coordinates": [30, 50]}`)), "feature 2 (line 4): not a GeoJSON feature"},
		{"crossing polygon", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`,
			`{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}`)), "feature 2 (line 4): Site b: Polygon 0 intersects itself"},
		{"empty position", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "Point", "coordinates": []}`)),
			"feature 2 (line 4): Geometry Point: every position needs a longitude and a latitude"},
		{"short position", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "Point", "coordinates": [30]}`)),
			"feature 2 (line 4): Geometry Point: every position"},
		{"null coordinates", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "Point", "coordinates": null}`)),
			"feature 2 (line 4): Geometry Point: every position"},
		{"short line position", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`, `{"type": "LineString", "coordinates": [[30, 50], [31]]}`)),
			"feature 2 (line 4): Geometry LineString: every position"},
		{"short ring position", collection(feature(`{"id": "b", "name": "B", "category": "health.hospital"}`,
			`{"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1], [0, 0]]]]}`)), "feature 2 (line 4): Geometry MultiPolygon: every position"},
		{"not a feature", collection(`{"type": "Point", "coordinates": [30, 50]}`), "feature 2 (line 4): not a GeoJSON feature"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, tc.in, "geojson", opts, tc.want) })
	}
}
