package importer

import (
	"io"
	"strings"

	"github.com/truce-project/truce"
)

// Categories used by the importers.
const (
	nuclear    truce.Category = "energy.generation.nuclear"
	hydro      truce.Category = "energy.generation.hydro"
	thermal    truce.Category = "energy.generation.thermal"
	solar      truce.Category = "energy.generation.solar"
	wind       truce.Category = "energy.generation.wind"
	otherGen   truce.Category = "energy.generation.other"
	substation truce.Category = "energy.transmission.substation"
	powerLine  truce.Category = "energy.transmission.line"
	oilPipe    truce.Category = "energy.oil.pipeline"
	gasPipe    truce.Category = "energy.gas.pipeline"
	refinery   truce.Category = "energy.oil.refinery"
	oilStorage truce.Category = "energy.oil.storage"
	gasStorage truce.Category = "energy.gas.storage"
	dam        truce.Category = "water.dam"
	hospital   truce.Category = "health.hospital"
)

// Default sources.
const (
	sourceGPPD       = "WRI Global Power Plant Database v1.3.0"
	sourceGeoNuclear = "GeoNuclearData"
)

// fuelCategory maps a GPPD primary_fuel to a category.
func fuelCategory(fuel string) truce.Category {
	switch strings.ToLower(fuel) {
	case "nuclear":
		return nuclear
	case "hydro":
		return hydro
	case "coal", "gas", "oil", "cogeneration", "petcoke":
		return thermal
	case "solar":
		return solar
	case "wind":
		return wind
	}
	return otherGen
}

// readGPPD reads the WRI Global Power Plant Database layout.
func readGPPD(r io.Reader, b *builder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	if err := t.require("gppd_idnr", "name", "country", "latitude", "longitude", "primary_fuel", "capacity_mw"); err != nil {
		return err
	}
	prefix, source := b.prefix("gppd:"), b.source(sourceGPPD)
	return t.each(func(r *row) error {
		id := r.get("gppd_idnr")
		if id == "" {
			return invalid(r.where, "gppd_idnr is empty.")
		}
		g, err := r.point("latitude", "longitude")
		if err != nil {
			return err
		}
		capacity, err := number(r.where, "capacity_mw", r.get("capacity_mw"))
		if err != nil {
			return err
		}
		fuel := r.get("primary_fuel")
		s := truce.Site{
			ID:         prefix + id,
			Name:       r.get("name"),
			Category:   fuelCategory(fuel),
			Geometry:   g,
			Operator:   r.get("owner"),
			Source:     source,
			SourceRow:  id,
			Attributes: attrs("capacity_mw", capacity, "primary_fuel", fuel, "country", r.get("country")),
		}
		return b.add(r.where, s, r.get("country"), "")
	})
}

// readGeoNuclear reads the GeoNuclearData reactors layout.
func readGeoNuclear(r io.Reader, b *builder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	if err := t.require("id", "name", "latitude", "longitude", "countrycode", "status", "reactortype", "capacity"); err != nil {
		return err
	}
	prefix, source := b.prefix("geonuclear:"), b.source(sourceGeoNuclear)
	return t.each(func(r *row) error {
		id := r.get("id")
		if id == "" {
			return invalid(r.where, "Id is empty.")
		}
		g, err := r.point("latitude", "longitude")
		if err != nil {
			return err
		}
		capacity, err := number(r.where, "Capacity", r.get("capacity"))
		if err != nil {
			return err
		}
		s := truce.Site{
			ID:        prefix + id,
			Name:      r.get("name"),
			Category:  nuclear,
			Geometry:  g,
			Source:    source,
			SourceRow: id,
			Attributes: attrs(
				"status", r.get("status"),
				"reactor_type", r.get("reactortype"),
				"reactor_model", r.get("reactormodel"),
				"capacity_mw", capacity,
				"iaea_id", r.get("iaeaid"),
				"country", r.get("countrycode"),
			),
		}
		return b.add(r.where, s, r.get("countrycode"), "")
	})
}
