package importer

import (
	"io"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// acledPlaces follows the geo_precision codes of the ACLED codebook; the
// table is in the ReadReports documentation.
var acledPlaces = map[int]struct {
	precision string
	radius    float64
}{
	1: {"exact", 2000},
	2: {"near", 25000},
	3: {"region", 100000},
}

// readACLED reads an ACLED events CSV file.
func readACLED(r io.Reader, b *reportBuilder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	if err := t.require("event_id_cnty", "event_date", "time_precision", "geo_precision", "latitude", "longitude", "sub_event_type"); err != nil {
		return err
	}
	prefix, source := b.prefix("acled:"), b.sourceName("ACLED")
	return t.each(func(r *row) error {
		id := r.get("event_id_cnty")
		ref, err := clientRef(r.where, "event_id_cnty", prefix, id)
		if err != nil {
			return err
		}
		rep := b.newReport(ref, source, id, "")
		if rep.When, err = acledWhen(r, b.zone); err != nil {
			return err
		}
		if rep.Where, err = acledWhere(r); err != nil {
			return err
		}
		if rep.Casualties.Killed, err = count(r.where, "fatalities", r.get("fatalities")); err != nil {
			return err
		}
		if rep.Casualties.Killed != nil {
			rep.Casualties.Precision = "estimate"
		}
		if rep.Accused, err = b.accuse(r.where, r.get("actor1"), r.get("actor2")); err != nil {
			return err
		}
		notes := r.get("notes")
		rep.Act = acledAct(r.get("sub_event_type"), notes)
		rep.Text = acledText(notes, r.get("source"))
		return b.add(r.where, rep, "")
	})
}

// acledDate parses an event_date: 2022-02-24 or 24 February 2022.
func acledDate(where, s string, zone *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2 January 2006"} {
		if d, err := time.Parse(layout, s); err == nil {
			return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone), nil
		}
	}
	return time.Time{}, invalid(where, "event_date %q is not a date such as 2022-02-24 or 24 February 2022.", clean(s, 40))
}

// acledWhen reads event_date and time_precision.
func acledWhen(r *row, zone *time.Location) (truce.When, error) {
	prec, err := code(r.where, "time_precision", r.get("time_precision"), 3)
	if err != nil {
		return truce.When{}, err
	}
	d, err := acledDate(r.where, r.get("event_date"), zone)
	if err != nil {
		return truce.When{}, err
	}
	first, last := d, d
	switch prec {
	case 2:
		first, last = d.AddDate(0, 0, -3), d.AddDate(0, 0, 3)
	case 3:
		first = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, zone)
		last = first.AddDate(0, 1, -1)
	}
	w := dayWhen(first, last)
	if prec > 1 {
		w.Precision = "range"
	}
	return w, nil
}

// acledWhere reads the coordinates, geo_precision and place names.
func acledWhere(r *row) (truce.Where, error) {
	prec, err := code(r.where, "geo_precision", r.get("geo_precision"), 3)
	if err != nil {
		return truce.Where{}, err
	}
	lat, err := coordinate(r.where, "latitude", r.get("latitude"), 90)
	if err != nil {
		return truce.Where{}, err
	}
	lon, err := coordinate(r.where, "longitude", r.get("longitude"), 180)
	if err != nil {
		return truce.Where{}, err
	}
	p := acledPlaces[prec]
	return truce.Where{Lat: lat, Lon: lon, RadiusMetres: p.radius, Precision: p.precision,
		Place: place(r.get("location"), r.get("admin2"), r.get("admin1"))}, nil
}

// acledAct maps sub_event_type, refined by the notes; the table is in the
// ReadReports documentation.
func acledAct(subEvent, notes string) truce.Act {
	norm := words(notes)
	switch strings.ToLower(subEvent) {
	case "shelling/artillery/missile attack":
		if phrases(norm, "missile", "missiles") {
			return truce.ActMissileStrike
		}
		return truce.ActShelling
	case "air/drone strike":
		if phrases(norm, "drone", "drones", "uav", "uavs", "shahed", "shaheds", "geran", "gerans") {
			return truce.ActDroneStrike
		}
		return truce.ActAirStrike
	case "remote explosive/landmine/ied":
		return truce.ActSabotage
	}
	return truce.ActOther
}

// acledText is the notes, then ACLED's list of sources, within a report's
// limit.
func acledText(notes, sources string) string {
	notes, sources = clean(notes, 8000), clean(sources, 1000)
	if sources == "" {
		return notes
	}
	tail := "Sources (per ACLED): " + sources
	if notes == "" {
		return tail
	}
	return clean(notes, 8000-len(tail)-2) + "\n\n" + tail
}
