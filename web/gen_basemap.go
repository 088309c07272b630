//go:build ignore

// gen_basemap writes static/data/basemap.json, the offline basemap, from
// the boundary files of the shared data folder (see SOURCES.md there):
// Ukraine's oblasts (© Мінрегіон України, CC BY-SA) and the Natural Earth
// 1:50m outlines of Ukraine and Russia (public domain). Rings are
// simplified (Douglas-Peucker, 0.02° for the countries, 0.005° for the oblasts) and coordinates rounded to 0.001°,
// about 100 m, which is finer than the map shows them.
//
//	go run gen_basemap.go ../../shared/data
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

type feature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

type collection struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
}

const (
	tolCountry = 0.02 // Russia is large and mostly far from the events
	tolOblast  = 0.005
)

func main() {
	dir := os.Args[1]
	out := collection{Type: "FeatureCollection"}
	ne := read(filepath.Join(dir, "ne_50m_admin0_ukr_rus.geojson"))
	for _, f := range ne.Features {
		f.Properties = map[string]any{"kind": "country", "name": f.Properties["name"], "iso": f.Properties["iso_a3"]}
		out.Features = append(out.Features, simplify(f, tolCountry))
	}
	obl := read(filepath.Join(dir, "ukraine_oblasts_minregion_2020.geojson"))
	for _, f := range obl.Features {
		f.Properties = map[string]any{"kind": "oblast", "name": f.Properties["name_en"], "iso": f.Properties["iso_3166_2"]}
		out.Features = append(out.Features, simplify(f, tolOblast))
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile("static/data/basemap.json", data, 0o644); err != nil {
		panic(err)
	}
	fmt.Printf("static/data/basemap.json: %d features, %d bytes\n", len(out.Features), len(data))
}

func read(path string) collection {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var c collection
	if err := json.Unmarshal(data, &c); err != nil {
		panic(fmt.Sprintf("%s: %v", path, err))
	}
	return c
}

// multiPolygon returns a Polygon's or MultiPolygon's coordinates as a
// MultiPolygon's.
func multiPolygon(f feature) [][][][]float64 {
	var mp [][][][]float64
	if f.Geometry.Type == "Polygon" {
		var p [][][]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
			panic(err)
		}
		return append(mp, p)
	}
	if err := json.Unmarshal(f.Geometry.Coordinates, &mp); err != nil {
		panic(err)
	}
	return mp
}

func simplify(f feature, tolerance float64) feature {
	var polys [][][][]float64
	for _, poly := range multiPolygon(f) {
		var rings [][][]float64
		for i, ring := range poly {
			r := dp(ring, tolerance)
			if len(r) < 4 {
				if i == 0 {
					break // an islet smaller than the tolerance
				}
				continue
			}
			for _, p := range r {
				p[0], p[1] = round(p[0]), round(p[1])
			}
			rings = append(rings, r)
		}
		if len(rings) > 0 {
			polys = append(polys, rings)
		}
	}
	f.Geometry.Type = "MultiPolygon"
	f.Geometry.Coordinates, _ = json.Marshal(polys)
	return f
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// dp is the Douglas-Peucker simplification of a line, keeping its ends.
func dp(pts [][]float64, tol float64) [][]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	var rec func(a, b int)
	rec = func(a, b int) {
		best, at := 0.0, -1
		for i := a + 1; i < b; i++ {
			if d := segDist(pts[i], pts[a], pts[b]); d > best {
				best, at = d, i
			}
		}
		if at >= 0 && best > tol {
			keep[at] = true
			rec(a, at)
			rec(at, b)
		}
	}
	rec(0, len(pts)-1)
	var out [][]float64
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

func segDist(p, a, b []float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}
