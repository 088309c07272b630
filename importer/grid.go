package importer

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/truce-project/truce"
)

const (
	sourceGrid       = "OpenStreetMap via ComplexNetTSP/Power_grids (2017)"
	sourceCandidates = "Truce candidate registry"
)

// readGridNodes reads the GridKit high-voltage grid nodes layout.
func readGridNodes(r io.Reader, b *builder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	if err := t.require("v_id", "lon", "lat", "typ", "name"); err != nil {
		return err
	}
	prefix, source := b.prefix("osm-hv:"), b.source(sourceGrid)
	return t.each(func(r *row) error {
		id := r.get("v_id")
		if id == "" {
			return invalid(r.where, "v_id is empty.")
		}
		g, err := r.point("lat", "lon")
		if err != nil {
			return err
		}
		typ, name := r.get("typ"), gridList(r.get("name"))
		c, skip := gridCategory(typ, name)
		s := truce.Site{
			ID:        prefix + id,
			Name:      name,
			Category:  c,
			Geometry:  g,
			Operator:  gridList(r.get("operator")),
			Source:    source,
			SourceRow: id,
			Attributes: attrs(
				"grid_type", typ,
				"voltage", r.get("voltage"),
				"oblast", r.get("oblast_en"),
				"iso_3166_2", r.get("iso_3166_2"),
			),
		}
		if s.Name == "" && c != "" {
			s.Name = unnamed(c, s.ID)
		}
		return b.add(r.where, s, r.get("iso_3166_2"), skip)
	})
}

// gridCategory maps a GridKit node type to a category, or to a reason to
// skip the node.
func gridCategory(typ, name string) (truce.Category, string) {
	switch strings.ToLower(typ) {
	case "substation", "sub_station":
		return substation, ""
	case "plant":
		if c := nameCategory(name); c != "" && c != substation {
			return c, ""
		}
		return otherGen, ""
	case "station":
		if c := nameCategory(name); c != "" {
			return c, ""
		}
		return substation, ""
	case "":
		return "", "grid type is empty"
	}
	return "", fmt.Sprintf("grid type %s is not a protected object", strings.ToLower(typ))
}

// readGridLinks reads the GridKit high-voltage grid links layout.
func readGridLinks(r io.Reader, b *builder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	if err := t.require("l_id", "wkt_srid_4326"); err != nil {
		return err
	}
	prefix, source := b.prefix("osm-hv:link:"), b.source(sourceGrid)
	return t.each(func(r *row) error {
		id := r.get("l_id")
		if id == "" {
			return invalid(r.where, "l_id is empty.")
		}
		g, err := parseWKT(r.get("wkt_srid_4326"))
		if err != nil {
			return rowError(r.where, err)
		}
		length, err := number(r.where, "length_m", r.get("length_m"))
		if err != nil {
			return err
		}
		s := truce.Site{
			ID:        prefix + id,
			Name:      gridList(r.get("name")),
			Category:  powerLine,
			Geometry:  g,
			Operator:  gridList(r.get("operator")),
			Source:    source,
			SourceRow: id,
			Attributes: attrs(
				"voltage", r.get("voltage"),
				"cables", r.get("cables"),
				"length_m", length,
				"from_node", r.get("v_id_1"),
				"to_node", r.get("v_id_2"),
			),
		}
		if s.Name == "" {
			s.Name = unnamed(powerLine, s.ID)
		}
		return b.add(r.where, s, "", "")
	})
}

// gridList tidies a name or operator that GridKit joined from the OSM
// ways it merged: "A;A;A;B" becomes "A; B", cut to 300 bytes.
func gridList(s string) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" && !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return clip(strings.Join(parts, "; "))
}

// siteTypes maps the site_type of the candidate registry to categories.
// "power_plant" is refined by the name (see nameCategory).
var siteTypes = map[string]truce.Category{
	"substation":          substation,
	"nuclear_power_plant": nuclear,
	"nuclear_reactor":     nuclear,
	"hydro_power_plant":   hydro,
	"thermal_power_plant": thermal,
	"solar_power_plant":   solar,
	"wind_power_plant":    wind,
	"power_plant":         otherGen,
}

// readCandidates reads the merged candidate registry layout.
func readCandidates(r io.Reader, b *builder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	if err := t.require("site_id", "name", "site_type", "latitude", "longitude"); err != nil {
		return err
	}
	return t.each(func(r *row) error {
		id := r.get("site_id")
		if id == "" {
			return invalid(r.where, "site_id is empty.")
		}
		g, err := r.point("latitude", "longitude")
		if err != nil {
			return err
		}
		capacity, err := number(r.where, "capacity_mw", r.get("capacity_mw"))
		if err != nil {
			return err
		}
		typ, name := strings.ToLower(r.get("site_type")), r.get("name")
		c, ok := siteTypes[typ]
		if !ok {
			if c = truce.Category(typ); !c.Valid() {
				return invalid(r.where, "unknown site_type %q.", r.get("site_type"))
			}
		}
		if typ == "power_plant" {
			if k := nameCategory(name); k != "" {
				c = k
			}
		}
		source, key, value := splitSource(r.get("source"))
		s := truce.Site{
			ID:        b.prefix("") + id,
			Name:      name,
			Category:  c,
			Geometry:  g,
			Source:    b.source(source),
			SourceRow: id,
			Attributes: attrs(
				"site_type", typ,
				"fuel", r.get("fuel"),
				"capacity_mw", capacity,
				"oblast", r.get("oblast_en"),
				"iso_3166_2", r.get("iso_3166_2"),
				"licence", r.get("licence"),
				key, value,
			),
		}
		if s.Name == "" {
			s.Name = unnamed(c, s.ID)
		}
		return b.add(r.where, s, r.get("iso_3166_2"), "")
	})
}

// splitSource splits a trailing " voltage=..." or " status=..." off the
// candidate registry's source column, so that the source names only the
// registry.
func splitSource(s string) (source, key, value string) {
	for _, k := range []string{"voltage", "status"} {
		if i := strings.LastIndex(s, " "+k+"="); i >= 0 {
			return strings.TrimSpace(s[:i]), k, strings.TrimSpace(s[i+len(k)+2:])
		}
	}
	if s == "" {
		s = sourceCandidates
	}
	return s, "", ""
}

// nameWords are the abbreviations and words in Ukrainian, Russian and
// English names that tell what kind of power object a node is.
var nameWords = map[string]truce.Category{
	"АЕС": nuclear, "АЭС": nuclear, "АТОМНА": nuclear, "АТОМНАЯ": nuclear, "NPP": nuclear, "NUCLEAR": nuclear,
	"ГЕС": hydro, "ГЭС": hydro, "ГАЕС": hydro, "ГАЭС": hydro, "HPP": hydro, "HYDRO": hydro,
	"ТЕС": thermal, "ТЭС": thermal, "ТЕЦ": thermal, "ТЭЦ": thermal, "ГРЕС": thermal, "ГРЭС": thermal,
	"ГТЕС": thermal, "ГТЭС": thermal, "TPP": thermal, "CHP": thermal,
	"СЕС": solar, "СЭС": solar, "SOLAR": solar,
	"ВЕС": wind, "ВЭС": wind, "WIND": wind,
	"ПС": substation, "ПІДСТАНЦІЯ": substation, "ПОДСТАНЦИЯ": substation, "ЕЛЕКТРОПІДСТАНЦІЯ": substation,
	"ЭЛЕКТРОПОДСТАНЦИЯ": substation, "КВ": substation, "SUBSTATION": substation,
}

// nameCategory returns the category a name's words indicate, or "": the
// first word found decides, so "Зміївська ТЕС; ПС 330 кВ" is a thermal
// plant.
func nameCategory(name string) truce.Category {
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if c, ok := nameWords[strings.ToUpper(w)]; ok {
			return c
		}
	}
	return ""
}

// labels name the kinds of objects in generated names.
var labels = map[truce.Category]string{
	nuclear:    "Nuclear power plant",
	hydro:      "Hydroelectric plant",
	thermal:    "Thermal power plant",
	solar:      "Solar power plant",
	wind:       "Wind farm",
	otherGen:   "Power plant",
	substation: "Substation",
	powerLine:  "Power line",
	oilPipe:    "Oil pipeline",
	gasPipe:    "Gas pipeline",
	refinery:   "Oil refinery",
	oilStorage: "Oil storage",
	gasStorage: "Gas storage",
	dam:        "Dam",
	hospital:   "Hospital",
}

// unnamed returns the name given to an object its source leaves unnamed,
// e.g. "Substation osm-hv:76536".
func unnamed(c truce.Category, id string) string {
	l, ok := labels[c]
	if !ok {
		l = "Site"
	}
	return l + " " + id
}
