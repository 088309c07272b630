package importer

import (
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// reportColumns are the columns of a generic report CSV, resolved from
// ReportColumns and the header; "" means the file has no such column.
type reportColumns struct {
	id, start, end, timePrec, lat, lon, radius, placePrec, place, act, target string
	accused, damage, killed, injured, countPrec, text, source, uri            string
	actors                                                                    []string
}

func reportCSVColumns(t *table, o ReportColumns) (*reportColumns, error) {
	var c reportColumns
	var err error
	set := func(dst *string, what, opt string, required bool, defaults ...string) {
		if err == nil {
			*dst, err = t.column(what, opt, required, defaults...)
		}
	}
	set(&c.id, "id", o.ID, true, "id")
	set(&c.start, "start", o.Start, true, "start")
	set(&c.end, "end", o.End, false, "end")
	set(&c.timePrec, "time precision", o.TimePrecision, false, "time_precision")
	set(&c.lat, "latitude", o.Lat, true, "latitude", "lat")
	set(&c.lon, "longitude", o.Lon, true, "longitude", "lon", "lng")
	set(&c.radius, "radius", o.Radius, false, "radius_m", "radius")
	set(&c.placePrec, "place precision", o.PlacePrecision, false, "place_precision")
	set(&c.place, "place", o.Place, false, "place", "location")
	set(&c.act, "act", o.Act, false, "act")
	set(&c.target, "target", o.Target, false, "target")
	set(&c.accused, "accused", o.Accused, false, "accused")
	set(&c.damage, "damage", o.Damage, false, "damage")
	set(&c.killed, "killed", o.Killed, false, "killed")
	set(&c.injured, "injured", o.Injured, false, "injured")
	set(&c.countPrec, "casualties precision", o.CountPrecision, false, "casualties_precision")
	set(&c.text, "text", o.Text, false, "text", "notes", "description")
	set(&c.source, "source", o.Source, false, "source")
	set(&c.uri, "source URI", o.URI, false, "source_uri", "url")
	if err != nil {
		return nil, err
	}
	if err := t.require(o.Actors...); err != nil {
		return nil, err
	}
	c.actors = o.Actors
	return &c, nil
}

// readReportCSV reads a CSV file whose columns ReportOptions.Columns names.
func readReportCSV(r io.Reader, b *reportBuilder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	c, err := reportCSVColumns(t, b.opts.Columns)
	if err != nil {
		return err
	}
	acts := map[string]truce.Act{}
	for k, a := range b.opts.Columns.Acts {
		acts[strings.ToLower(strings.TrimSpace(k))] = a
	}
	prefix := b.prefix("")
	return t.each(func(r *row) error {
		id := cell(r, c.id)
		ref, err := clientRef(r.where, c.id, prefix, id)
		if err != nil {
			return err
		}
		uri, err := sourceURI(r, c.uri)
		if err != nil {
			return err
		}
		rep := b.newReport(ref, b.sourceName(cell(r, c.source)), id, uri)
		if rep.When, err = csvWhen(r, c, b.zone); err != nil {
			return err
		}
		if rep.Where, err = csvWhere(r, c); err != nil {
			return err
		}
		if rep.Act, err = csvAct(r, c.act, acts); err != nil {
			return err
		}
		if rep.Casualties, err = csvCasualties(r, c); err != nil {
			return err
		}
		if rep.Accused, err = csvAccused(r, c, b); err != nil {
			return err
		}
		if d := strings.ToLower(cell(r, c.damage)); d != "" {
			rep.Damage.Level = d
		}
		rep.Target.Text = clean(cell(r, c.target), 1000)
		rep.Text = clean(cell(r, c.text), 8000)
		return b.add(r.where, rep, "")
	})
}

// instant parses a time: RFC 3339, or a date and time without a zone, or
// a date (dateOnly), both in zone.
func instant(where, col, s string, zone *time.Location) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t.UTC(), false, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, zone); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, invalid(where, "%s %q is not a time such as 2025-03-18T04:20:00Z, 2025-03-18 04:20 or 2025-03-18.", col, clean(s, 40))
}

// csvWhen reads the start, end and time precision; see ReportColumns.
func csvWhen(r *row, c *reportColumns, zone *time.Location) (truce.When, error) {
	start, startDate, err := instant(r.where, c.start, cell(r, c.start), zone)
	if err != nil {
		return truce.When{}, err
	}
	end, endDate := start, startDate
	if s := cell(r, c.end); s != "" {
		if end, endDate, err = instant(r.where, c.end, s, zone); err != nil {
			return truce.When{}, err
		}
	}
	var w truce.When
	switch {
	case startDate && endDate:
		w = dayWhen(start, end)
	case endDate:
		_, last := days(end, end)
		w = truce.When{Start: start, End: last, Precision: "range"}
	default:
		w = truce.When{Start: start.UTC(), End: end, Precision: "range"}
		if start.Equal(end) {
			w.Precision = "minute"
		}
	}
	if p := strings.ToLower(cell(r, c.timePrec)); p != "" {
		w.Precision = p
	}
	return w, nil
}

// nominalRadius is the radius of a place precision given without one.
var nominalRadius = map[string]float64{"exact": 1000, "near": 25000, "district": 50000, "region": 150000}

// csvWhere reads the coordinates, radius, place precision and place.
func csvWhere(r *row, c *reportColumns) (truce.Where, error) {
	lat, err := coordinate(r.where, c.lat, cell(r, c.lat), 90)
	if err != nil {
		return truce.Where{}, err
	}
	lon, err := coordinate(r.where, c.lon, cell(r, c.lon), 180)
	if err != nil {
		return truce.Where{}, err
	}
	w := truce.Where{Lat: lat, Lon: lon, Precision: strings.ToLower(cell(r, c.placePrec)), Place: clean(cell(r, c.place), 300)}
	if s := cell(r, c.radius); s != "" {
		v, err := parseDecimal(s)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > truce.MaxRadiusMetres {
			return truce.Where{}, invalid(r.where, "%s %q is not a radius from 0 to %d metres.", c.radius, clean(s, 40), truce.MaxRadiusMetres)
		}
		w.RadiusMetres = v
	} else {
		w.RadiusMetres = nominalRadius[w.Precision]
	}
	if w.Precision == "" {
		w.Precision = placePrecision(w.RadiusMetres)
	}
	return w, nil
}

// placePrecision is the precision of a radius, as "truce report" gives it.
func placePrecision(radius float64) string {
	switch {
	case radius <= 1000:
		return "exact"
	case radius <= 25000:
		return "near"
	case radius <= 100000:
		return "district"
	}
	return "region"
}

// csvAct reads the act: a value of acts, an act of the vocabulary, or
// other if empty.
func csvAct(r *row, col string, acts map[string]truce.Act) (truce.Act, error) {
	v := cell(r, col)
	if v == "" {
		return truce.ActOther, nil
	}
	if a, ok := acts[strings.ToLower(v)]; ok {
		return a, nil
	}
	if a := truce.Act(strings.ToLower(v)); a.Valid() {
		return a, nil
	}
	return "", invalid(r.where, "%s %q is not one of %v; map it with Acts.", col, clean(v, 60), truce.Acts())
}

// csvCasualties reads the counts and their precision.
func csvCasualties(r *row, c *reportColumns) (truce.Casualties, error) {
	var cs truce.Casualties
	var err error
	if cs.Killed, err = count(r.where, c.killed, cell(r, c.killed)); err != nil {
		return cs, err
	}
	if cs.Injured, err = count(r.where, c.injured, cell(r, c.injured)); err != nil {
		return cs, err
	}
	cs.Precision = strings.ToLower(cell(r, c.countPrec))
	switch {
	case cs.Precision != "":
	case cs.Killed != nil || cs.Injured != nil:
		cs.Precision = "estimate"
	default:
		cs.Precision = "unknown"
	}
	return cs, nil
}

// csvAccused reads the member ids of the accused column and maps the
// actor columns.
func csvAccused(r *row, c *reportColumns, b *reportBuilder) ([]string, error) {
	actors := make([]string, len(c.actors))
	for i, col := range c.actors {
		actors[i] = r.get(col)
	}
	out, err := b.accuse(r.where, actors...)
	if err != nil {
		return nil, err
	}
	for _, id := range strings.FieldsFunc(cell(r, c.accused), func(c rune) bool { return c == ';' || c == ',' }) {
		if id = strings.TrimSpace(id); id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// cell returns the value of an optional column, "" if the file has none.
func cell(r *row, col string) string {
	if col == "" {
		return ""
	}
	return r.get(col)
}

// sourceURI reads the link to the source: an absolute URI, or "".
func sourceURI(r *row, col string) (string, error) {
	s := cell(r, col)
	if s == "" {
		return "", nil
	}
	if u, err := url.Parse(s); err != nil || !u.IsAbs() || len(s) > 2000 || clean(s, 2000) != s {
		return "", invalid(r.where, "%s %q is not an absolute URI such as https://example.org/report.", col, clean(s, 60))
	}
	return s, nil
}
