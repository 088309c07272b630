// Package importer turns registry files into protected sites: power plant
// databases, reactor lists, grid extracts, GeoJSON and OpenStreetMap files
// become []truce.Site, ready to be declared in site.batch statements.
//
//	res, err := importer.Read(f, "gppd", importer.Options{
//		Controllers: map[string]string{"UKR": "ua", "RUS": "ru"},
//	})
//
// # Checking
//
// Every row is checked as the site it becomes ([truce.Site.Validate]): an
// id, a non-empty name, a category of the taxonomy, coordinates that are
// finite numbers within range, a valid geometry, attributes within limits.
// A row that fails, or a column the format needs that the header lacks,
// fails the whole file: [Read] returns an EINVALID [truce.Error] naming the
// line ("line 12: longitude 200 is outside [-180, 180].") or, for GeoJSON,
// the feature and its line, and for OpenStreetMap the element ("way 45"),
// so that nothing from a bad file is declared. Two rows with the same site
// id are an error naming both.
//
// # Site ids
//
// A site's id is the source's own id of the row behind a prefix, e.g.
// "gppd:WRI1005097", "geonuclear:123", "osm-hv:76536", "osm:way:123", so
// that importing the same source again gives the same ids: an unchanged
// row gives an identical site ([truce.Site.Hash]) and a changed row an
// update. Options.IDPrefix replaces the prefix. Site ids cannot hold "/",
// so OpenStreetMap ids use ":" ("osm:node:76536"); SourceRow keeps the
// OpenStreetMap form ("node/76536").
//
// # Controllers
//
// Each site needs the party that controls it. Options.Controller, a
// function of the row's country and position, decides if set; otherwise
// the row's country is looked up in Options.Controllers (a subdivision
// code such as "UA-43" first as itself, then as "UA"), and
// Options.DefaultController covers the rest. Rows that still have no party
// are skipped, counted in [Result].Skipped and summarised by reason in
// Result.Reasons. Which column gives the country depends on the format;
// OpenStreetMap files and grid lines give none, so the default or the
// function (with the position) decides.
//
// # Formats
//
// gppd: the [WRI Global Power Plant Database] (columns found by name, so
// the full database and extracts of it both work). Needs gppd_idnr, name,
// country (ISO 3166-1 alpha-3), latitude, longitude, primary_fuel,
// capacity_mw; uses owner as the operator if present. Id "gppd:" +
// gppd_idnr. primary_fuel gives the category:
//
//	Nuclear                                 energy.generation.nuclear
//	Hydro                                   energy.generation.hydro
//	Coal, Gas, Oil, Cogeneration, Petcoke   energy.generation.thermal
//	Solar                                   energy.generation.solar
//	Wind                                    energy.generation.wind
//	anything else (Biomass, Geothermal...)  energy.generation.other
//
// Attributes capacity_mw, primary_fuel, country. Source "WRI Global Power
// Plant Database v1.3.0".
//
// geonuclear: [GeoNuclearData] reactors, one site per reactor, category
// energy.generation.nuclear, id "geonuclear:" + Id, country from
// CountryCode (alpha-2). Every status is kept, shut down and cancelled
// reactors included (they may still hold fuel): attributes status,
// reactor_type, reactor_model, capacity_mw, iaea_id, country.
//
// osm-grid-nodes: high-voltage grid nodes extracted from OpenStreetMap by
// GridKit ([Power_grids], columns v_id, lon, lat, typ, voltage, name,
// operator, and optionally iso_3166_2). Id "osm-hv:" + v_id. By typ:
//
//	substation, sub_station   energy.transmission.substation
//	plant                     by name (below), else energy.generation.other
//	station                   by name (below), else energy.transmission.substation
//	joint, merge, others      skipped and counted
//
// The name decides a plant's kind by the abbreviations and words it holds,
// in Ukrainian, Russian or English: АЕС/АЭС/NPP nuclear, ГЕС/ГЭС/ГАЕС/HPP
// hydro, ТЕС/ТЭС/ТЕЦ/ТЭЦ/ГРЕС/ГРЭС/ГТЭС/TPP/CHP thermal, СЕС/СЭС solar,
// ВЕС/ВЭС wind, and ПС/підстанція/подстанция/кВ a substation. The country
// is the iso_3166_2 subdivision when present. GridKit joins the names of
// the ways it merges with ";": repeated names are dropped ("A;A;B" becomes
// "A; B") and the rest cut to 300 bytes. Unnamed nodes are named after
// their kind and id ("Substation osm-hv:76536"). Attributes grid_type,
// voltage, oblast, iso_3166_2.
//
// osm-grid-links: the GridKit lines (l_id and the EWKT geometry in
// wkt_srid_4326, "SRID=4326;LINESTRING(...)"), category
// energy.transmission.line, id "osm-hv:link:" + l_id; attributes voltage,
// cables, length_m, from_node, to_node.
//
// truce-candidates: the merged registry of candidate sites (site_id, name,
// site_type, fuel, capacity_mw, latitude, longitude, oblast_en,
// iso_3166_2, source, licence), ids as given. site_type gives the
// category: substation, nuclear_power_plant and nuclear_reactor,
// hydro_power_plant, thermal_power_plant, solar_power_plant,
// wind_power_plant, or power_plant (refined by the name as above, else
// energy.generation.other); a category name is accepted as is. A trailing
// " voltage=..." or " status=..." in source becomes an attribute.
//
// csv: any CSV file with a header, whose columns Options names (IDColumn,
// NameColumn, LatColumn and LonColumn or WKTColumn, CategoryColumn or a
// fixed Category, CountryColumn, ControllerColumn, OperatorColumn,
// AttributeColumns), with defaults such as "id", "name", "latitude" or
// "lat". Categories are the taxonomy's names, or the source's own values
// through Options.Categories.
//
// geojson: an RFC 7946 FeatureCollection (or one Feature). Each feature's
// properties give id (else the feature's id member), name, category,
// country, controller and operator, under names the same Options fields
// change; geometries may be Point, LineString, MultiLineString, Polygon or
// MultiPolygon.
//
// osm and osm-pbf: OpenStreetMap extracts in XML or PBF. Tagged nodes
// become points; ways become lines, or polygons when closed and area-like
// (anything but lines and pipelines, unless area=yes or area=no says
// otherwise). Way nodes' coordinates come from the file's nodes (or from
// the way itself, as in Overpass "out geom" output); a way with nodes
// missing from the file is skipped and counted, as are relations. Ids
// "osm:node:N" and "osm:way:N". Tags give the category:
//
//	power=plant or generator with plant:source or generator:source
//	    nuclear                        energy.generation.nuclear
//	    hydro                          energy.generation.hydro
//	    coal, gas, oil, diesel         energy.generation.thermal
//	    solar                          energy.generation.solar
//	    wind                           energy.generation.wind
//	    other or none                  by name (as above), else energy.generation.other
//	power=substation                   energy.transmission.substation
//	power=line                         energy.transmission.line
//	waterway=dam                       water.dam, or energy.generation.hydro with a power tag
//	amenity=hospital, healthcare=hospital   health.hospital
//	man_made=pipeline, substance=oil   energy.oil.pipeline
//	man_made=pipeline, substance=gas   energy.gas.pipeline
//	industrial=refinery, or man_made=works with product=oil   energy.oil.refinery
//	man_made=storage_tank, content=oil energy.oil.storage
//	man_made=storage_tank, content=gas energy.gas.storage
//
// Other elements are left out and not counted. The name is the first of
// name, name:en, name:uk, name:ru and ref, else the kind and id;
// names and attributes are cut to 300 bytes. Attributes: voltage, cables,
// frequency, plant:source, generator:source, plant:output:electricity,
// generator:output:electricity, substance, content, product, ref,
// name:en. Read reads a seekable file twice to keep only the coordinates
// it needs. Polygons that cross themselves fail the import like any other
// bad geometry, and so does a mapped node, or a node of a mapped way,
// without coordinates (which the XML decoder reads as 0, 0).
//
// [WRI Global Power Plant Database]: https://datasets.wri.org/dataset/globalpowerplantdatabase
// [GeoNuclearData]: https://github.com/cristianst85/GeoNuclearData
// [Power_grids]: https://doi.org/10.5281/zenodo.250427
package importer
