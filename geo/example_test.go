package geo_test

import (
	"fmt"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

func ExampleIndex_Near() {
	retired := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	x := geo.NewIndex[string]()
	err := x.Build([]geo.Item[string]{
		{ID: "chp-5", Category: "energy.generation.thermal", Geometry: truce.NewPoint(30.5080, 50.3863)},
		{ID: "chp-6", Category: "energy.generation.thermal", Geometry: truce.NewPoint(30.6520, 50.5313), Until: retired},
		{ID: "hospital", Category: "health.hospital", Geometry: truce.NewPoint(30.5120, 50.4310)},
		{ID: "line-330kv", Category: "energy.transmission.line", Geometry: truce.Geometry{
			Type:  "LineString",
			Lines: [][]truce.Position{{{30.20, 50.40}, {30.80, 50.40}}},
		}},
	})
	if err != nil {
		panic(err)
	}
	// A report of a strike in Kyiv on 25 March 2025, give or take 2 km,
	// under a clause that protects energy with a buffer of 15 km.
	at := time.Date(2025, 3, 25, 4, 0, 0, 0, time.UTC)
	for _, h := range x.Near(truce.Position{30.5234, 50.4501}, 2000+15000, geo.Filter{
		Categories: []truce.Category{"energy"},
		At:         at,
	}) {
		fmt.Printf("%s %.0f m\n", h.ID, h.Metres)
	}
	// Output:
	// line-330kv 5577 m
	// chp-5 7186 m
}

func ExampleDistance() {
	kyiv := truce.Position{30.5234, 50.4501}
	line := truce.Geometry{Type: "LineString", Lines: [][]truce.Position{{{30.0, 50.5}, {31.0, 50.5}}}}
	fmt.Printf("%.0f m\n", geo.Distance(kyiv, line)) // to the nearest point, not the centre
	// Output: 5555 m
}

func ExampleContains() {
	zone := truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{
		{{29, 44}, {41, 44}, {41, 53}, {29, 53}, {29, 44}}, // outer ring
		{{33, 48}, {35, 48}, {35, 50}, {33, 50}, {33, 48}}, // a hole
	}}}
	fmt.Println(geo.Contains(zone, truce.Position{30.5234, 50.4501}))
	fmt.Println(geo.Contains(zone, truce.Position{34, 49}))
	// Output:
	// true
	// false
}
