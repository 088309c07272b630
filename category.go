package truce

import "strings"

// Category is a dotted name in the taxonomy of protected objects, e.g.
// "energy.generation.nuclear". A clause that protects a category protects
// every category under it: "energy" covers "energy.oil.refinery".
type Category string

// CategoryInfo describes one category of the taxonomy.
type CategoryInfo struct {
	ID          Category `json:"id"`
	Description string   `json:"description"`
}

// categories is the taxonomy, parents before children. It follows the
// objects named in the March 2025 energy moratorium and the Black Sea
// arrangement, and the protected objects of international humanitarian
// law that ceasefires most often name.
var categories = []CategoryInfo{
	{"energy", "Energy infrastructure of every kind"},
	{"energy.generation", "Power generation: plants and generators"},
	{"energy.generation.nuclear", "Nuclear power plants and their reactors"},
	{"energy.generation.hydro", "Hydroelectric plants and their dams"},
	{"energy.generation.thermal", "Thermal power plants: coal, gas, oil, combined heat and power"},
	{"energy.generation.solar", "Solar power plants"},
	{"energy.generation.wind", "Wind farms"},
	{"energy.generation.other", "Other generation: biomass, waste, geothermal, storage"},
	{"energy.transmission", "Power transmission and distribution"},
	{"energy.transmission.substation", "Substations, transformers and switching stations"},
	{"energy.transmission.line", "High-voltage lines"},
	{"energy.oil", "Oil infrastructure"},
	{"energy.oil.refinery", "Oil refineries"},
	{"energy.oil.pipeline", "Oil pipelines"},
	{"energy.oil.storage", "Oil storage depots and tank farms"},
	{"energy.oil.pumping", "Oil pumping stations"},
	{"energy.gas", "Gas infrastructure"},
	{"energy.gas.pipeline", "Gas pipelines"},
	{"energy.gas.storage", "Underground and surface gas storage"},
	{"energy.gas.metering", "Gas metering stations"},
	{"energy.gas.compressor", "Gas compressor stations"},
	{"energy.gas.processing", "Gas processing plants"},
	{"health", "Health care"},
	{"health.hospital", "Hospitals"},
	{"health.clinic", "Clinics and other health facilities"},
	{"water", "Water supply and sanitation"},
	{"water.dam", "Dams and dikes that are not hydroelectric plants"},
	{"water.treatment", "Water treatment and pumping"},
	{"maritime", "Maritime objects"},
	{"maritime.port", "Ports and terminals"},
	{"maritime.vessel", "Civilian vessels"},
}

// Categories returns the taxonomy, parents before children.
func Categories() []CategoryInfo { return append([]CategoryInfo(nil), categories...) }

// Valid reports whether c is in the taxonomy.
func (c Category) Valid() bool {
	for _, k := range categories {
		if k.ID == c {
			return true
		}
	}
	return false
}

// Covers reports whether a clause protecting c protects objects of
// category o: o is c or lies under it.
func (c Category) Covers(o Category) bool {
	// No concatenation: this runs for every candidate of a site query.
	return o == c || len(o) > len(c) && o[len(c)] == '.' && strings.HasPrefix(string(o), string(c))
}

func validateCategory(field string, c Category) error {
	if !c.Valid() {
		return Errorf(EINVALID, "%s: unknown category %q (see GET /v1/categories).", field, c)
	}
	return nil
}
