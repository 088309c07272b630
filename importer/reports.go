package importer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// ReportOptions configures ReadReports. The zero value imports every row
// as an OSINT report that accuses nobody.
type ReportOptions struct {
	// SourceKind is the kind of source of every report. Optional; default
	// osint. Whether the importing member's role may report with this kind
	// is decided when the reports are submitted (a mediator or a vetted
	// source may pass on OSINT; a monitor may not).
	SourceKind truce.SourceKind

	// Accused maps the actor names of a record (UCDP side_a and side_b,
	// ACLED actor1 and actor2, the generic CSV's Columns.Actors) to member
	// ids, e.g. {"Government of Russia (Soviet Union)": "ru",
	// "Government of Ukraine": "ua"}. Names match regardless of case and
	// surrounding spaces; actors not in the map are not accused.
	// Optional; the default accuses nobody.
	//
	// The actors of a UCDP or ACLED record are not directional: side_a and
	// actor1 are not the attacker, only the parties to the event, and a
	// report that accuses both sides is an allegation against both. Truce
	// attributes an act only by a determination, so mapping actors here is
	// an explicit choice of the importing member to accuse them.
	Accused map[string]string

	// AccusedFunc, if set, returns the member id to accuse for an actor
	// name, or "" for none; Accused is then not used. Optional.
	AccusedFunc func(actor string) string

	// From and Until keep only the events whose time overlaps [From,
	// Until): an event ending before From, or starting at or after Until,
	// is skipped and counted. Optional; a zero time is no bound.
	From, Until time.Time

	// TimeZone is the zone in which the source's dates are days: an event
	// of 24 February 2022 runs from 00:00 to 23:59:59 there. Optional;
	// default UTC, since neither UCDP nor ACLED says in which zone a date
	// is.
	TimeZone *time.Location

	// IDPrefix goes before each record's own id to make the report's
	// client_ref. Optional; default "ucdp:" for ucdp, "acled:" for acled
	// and none for csv.
	IDPrefix string

	// SourceName names the outside source in each report's Source field.
	// Optional; default "UCDP GED" for ucdp, "ACLED" for acled, and for
	// csv the row's source column, if any.
	SourceName string

	// Columns name the columns of the csv format. Optional; each has a
	// default, used only if the file has it.
	Columns ReportColumns
}

// ReportColumns name the columns of a generic report CSV. Names match
// regardless of case. Each field's default is listed with it; required
// columns must be in the header, under the name set or a default.
type ReportColumns struct {
	// ID holds the row's own id, which makes the client_ref. Required;
	// default "id".
	ID string
	// Start holds when the event began: RFC 3339 ("2025-03-18T04:20:00Z"),
	// a local date and time ("2025-03-18 04:20") or a date ("2025-03-18")
	// in TimeZone. Required; default "start".
	Start string
	// End holds when it ended, in the same forms. Default "end"; an empty
	// value is the end of Start's day for a date, else Start.
	End string
	// TimePrecision holds minute, hour, day or range. Default
	// "time_precision"; an empty value is day for dates (range if End is
	// another day), minute when Start equals End, else range.
	TimePrecision string
	// Lat and Lon hold WGS84 decimal degrees. Required; defaults
	// "latitude" or "lat", and "longitude", "lon" or "lng".
	Lat, Lon string
	// Radius holds the uncertainty in metres. Default "radius_m" or
	// "radius"; an empty value is the nominal radius of PlacePrecision
	// (exact 1000, near 25000, district 50000, region 150000), or 0.
	Radius string
	// PlacePrecision holds exact, near, district or region. Default
	// "place_precision"; an empty value follows from the radius as in
	// "truce report" (up to 1 km exact, 25 km near, 100 km district).
	PlacePrecision string
	// Place holds the place name. Default "place" or "location".
	Place string
	// Act holds an act of the vocabulary (truce.Acts), or a value of
	// Acts. Default "act"; an empty value is "other".
	Act string
	// Acts maps the source's own values in Act to acts, e.g.
	// {"Air/drone strike": "drone_strike"}. Keys match regardless of case.
	Acts map[string]truce.Act
	// Target holds what was hit. Default "target".
	Target string
	// Accused holds member ids that the row accuses, separated by ";" or
	// ",". Default "accused": a file with such a column says whom it
	// accuses itself.
	Accused string
	// Actors hold actor names, accused only as ReportOptions.Accused or
	// AccusedFunc maps them. Optional.
	Actors []string
	// Damage holds none, minor, moderate, severe, destroyed or unknown.
	// Default "damage"; an empty value is unknown.
	Damage string
	// Killed and Injured hold counts, estimates unless every given count
	// is marked exact by CountPrecision. Defaults "killed" and "injured".
	Killed, Injured string
	// CountPrecision holds exact, estimate or unknown. Default
	// "casualties_precision"; an empty value is estimate if a count is
	// given, else unknown.
	CountPrecision string
	// Text holds the description. Default "text", "notes" or
	// "description".
	Text string
	// Source holds the name of the source, used when SourceName is empty.
	// Default "source".
	Source string
	// URI holds a link to the source, an absolute URI. Default
	// "source_uri" or "url".
	URI string
}

// ReportResult is what ReadReports returns: the reports to sign and what
// it left out.
type ReportResult struct {
	// Reports are the rows imported, each valid and with a distinct
	// client_ref, in file order.
	Reports []truce.Report
	// Skips counts the data rows and those left out, e.g. "where_prec 6:
	// only the country is known".
	Skips
}

type reportReader func(r io.Reader, b *reportBuilder) error

var reportFormats = []struct {
	Format
	read reportReader
}{
	{Format{"ucdp", "UCDP Georeferenced Event Dataset CSV (id, date_start, date_prec, where_prec, side_a, best, ...)"}, readUCDP},
	{Format{"acled", "ACLED events CSV (event_id_cnty, event_date, time_precision, geo_precision, sub_event_type, ...)"}, readACLED},
	{Format{"csv", "CSV with a column mapping (ReportOptions.Columns: id, start, end, lat, lon, radius_m, act, ...)"}, readReportCSV},
}

// ReportFormats returns the formats ReadReports accepts, with a one-line
// description of each.
func ReportFormats() []Format {
	out := make([]Format, len(reportFormats))
	for i, f := range reportFormats {
		out[i] = f.Format
	}
	return out
}

// ReadReports reads the events of one file in the given format (one of
// ReportFormats) as reports for the importing member to sign. Every row is
// checked as the report it becomes ([truce.Report.Validate]); if any is
// bad, or two rows have the same id, ReadReports returns no result and an
// EINVALID error naming the line and the reason, so that nothing from the
// file is reported. An unknown format or bad options also give EINVALID.
// Errors reading r are returned wrapped.
//
// Rows that are valid but cannot make a report, such as UCDP events placed
// only in a country, are skipped and counted by reason in the result, as
// are rows outside From and Until; a row is counted under one reason, the
// time filter first, then time, then place. Each report's client_ref is the
// record's id behind a prefix ("ucdp:447229"), so that importing the same
// file again is refused as a duplicate by the service rather than counted
// twice.
//
// # UCDP GED
//
// Columns by name: id, date_start_iso and date_end_iso (or date_start and
// date_end, with or without a time), date_prec, where_prec, latitude,
// longitude, best; optional where_coordinates, adm_1, adm_2, side_a,
// side_b, high, low, source_headline, source_article. The event runs from
// 00:00 of date_start to 23:59:59 of date_end in TimeZone, with
// precision day if the two dates are the same and range otherwise.
// date_prec, checked to be 1 to 5, says why they differ:
//
//	date_prec  codebook                      when.precision
//	1          exact day                     day
//	2          within 2 to 6 days            range
//	3          the week                      range
//	4          the month                     range
//	5          more than a month             range if within 31 days, else skipped
//
// A report spans at most 31 days; UCDP events known only to a longer span
// (date_prec 5, such as tallies of a whole year) are skipped and counted
// as "date_prec 5: the dates span more than 31 days" rather than clipped,
// since a shorter window might not hold the event. where_prec gives the
// place's precision and uncertainty radius:
//
//	where_prec  codebook                                  where.precision  radius_m
//	1           exact location                            exact            1000
//	2           within about 25 km of a known point       near             25000
//	3           second-order unit (district)              district         50000
//	4           first-order unit (oblast)                 region           150000
//	5           along a line, between places, an area     region           100000
//	6           only the country                          skipped          -
//	7           international waters or airspace          region           300000
//
// UCDP's "exact location" is often a town or village; an event anywhere
// in a large town is farther than 1 km from its point.
//
// UCDP does not code weapons, so the act is "other" unless the headline
// names exactly one kind of attack by one of these phrases (case and
// punctuation ignored; several kinds, as when headlines of several
// articles disagree, also give "other"):
//
//	drone_strike    drone attack(s), drone strike(s), kamikaze drone(s), uav attack(s), uav strike(s)
//	missile_strike  missile attack(s), missile strike(s), missile hit(s)
//	air_strike      air strike(s), airstrike(s), air raid(s)
//	shelling        shelling, shelled, artillery fire, artillery strike(s), mortar fire, mortar attack(s)
//
// "Rocket" is not a keyword: it names missiles and artillery rockets
// alike. Killed is best, exact when low, high and best are equal, else an
// estimate; injured is unknown; damage is unknown. The place is
// where_coordinates, adm_2 and adm_1; the text is source_headline; the
// source is "UCDP GED" with the event id and the first http(s) URL of
// source_article, if any. deaths_a, deaths_b, deaths_civilians and
// type_of_violence are not carried.
//
// # ACLED
//
// Columns by name: event_id_cnty, event_date (2022-02-24 or 24 February
// 2022), time_precision, geo_precision, latitude, longitude,
// sub_event_type; optional location, admin1, admin2, actor1, actor2,
// fatalities, notes, source.
//
//	time_precision  codebook                  when
//	1               the actual day            that day, precision day
//	2               within a week             3 days either side, range
//	3               within a month            first to last day of the month, range
//
//	geo_precision   codebook                  where.precision  radius_m
//	1               the town itself           exact            2000
//	2               near the town             near             25000
//	3               only the larger region    region           100000
//
//	sub_event_type (any case)          act
//	Shelling/artillery/missile attack  missile_strike if the notes name a missile, else shelling
//	Air/drone strike                   drone_strike if the notes name a drone, UAV, Shahed or Geran, else air_strike
//	Remote explosive/landmine/IED      sabotage
//	anything else                      other
//
// Killed is fatalities, an estimate (ACLED's counts are conservative
// estimates); injured and damage are unknown. The place is location,
// admin2 and admin1; the text is the notes, followed by ACLED's source
// column; the source is "ACLED" with the event id.
//
// # CSV
//
// Any CSV with a header whose columns ReportOptions.Columns names, with
// defaults such as "id", "start", "lat" and "act"; see [ReportColumns].
//
// # Text
//
// Free text (text, place, target, source names) is made fit for a report:
// invalid UTF-8 and control characters other than newline and tab become
// spaces, and text over a field's limit is cut at a character boundary,
// ending with "…".
func ReadReports(r io.Reader, format string, opts ReportOptions) (*ReportResult, error) {
	var read reportReader
	names := make([]string, len(reportFormats))
	for i, f := range reportFormats {
		names[i] = f.Name
		if f.Name == format {
			read = f.read
		}
	}
	if read == nil {
		return nil, truce.Errorf(truce.EINVALID, "Unknown report format %q; want one of %s.", format, strings.Join(names, ", "))
	}
	b, err := newReportBuilder(opts)
	if err != nil {
		return nil, err
	}
	er := &errReader{r: r}
	err = read(er, b)
	if er.err != nil {
		return nil, fmt.Errorf("read %s: %w", format, er.err)
	}
	if err != nil {
		return nil, err
	}
	return &b.res, nil
}

// reportBuilder collects the reports of one file: it resolves accused
// actors, applies the time filter, validates each report and rejects
// duplicate ids.
type reportBuilder struct {
	opts    ReportOptions
	kind    truce.SourceKind
	zone    *time.Location
	accused map[string]string // lower-cased actor name -> member id
	seen    map[string]string // client_ref -> where it was read
	res     ReportResult
}

var sourceKinds = []truce.SourceKind{truce.SourceParty, truce.SourceMonitor, truce.SourceOSINT,
	truce.SourceSensor, truce.SourceCivilSociety, truce.SourceMediator}

func newReportBuilder(opts ReportOptions) (*reportBuilder, error) {
	b := &reportBuilder{opts: opts, kind: opts.SourceKind, zone: opts.TimeZone,
		accused: map[string]string{}, seen: map[string]string{}}
	b.res.Reasons = map[string]int{}
	if b.kind == "" {
		b.kind = truce.SourceOSINT
	}
	if !hasSourceKind(b.kind) {
		return nil, truce.Errorf(truce.EINVALID, "Source kind %q is not one of %v.", b.kind, sourceKinds)
	}
	if b.zone == nil {
		b.zone = time.UTC
	}
	if !opts.From.IsZero() && !opts.Until.IsZero() && !opts.Until.After(opts.From) {
		return nil, truce.Errorf(truce.EINVALID, "Until (%s) must be after From (%s).", opts.Until.Format(time.RFC3339), opts.From.Format(time.RFC3339))
	}
	for _, k := range sortedKeys(opts.Accused) {
		v := opts.Accused[k]
		if err := truce.ValidateMemberID(v); err != nil {
			return nil, truce.Errorf(truce.EINVALID, "Accused for actor %q: %s", k, truce.ErrorMessage(err))
		}
		lk := actorKey(k)
		if prev, ok := b.accused[lk]; ok && prev != v {
			return nil, truce.Errorf(truce.EINVALID, "Actor %q is mapped twice, to %q and %q.", k, prev, v)
		}
		b.accused[lk] = v
	}
	for _, k := range sortedKeys(opts.Columns.Acts) {
		if a := opts.Columns.Acts[k]; !a.Valid() {
			return nil, truce.Errorf(truce.EINVALID, "Act mapping %q: %q is not one of %v.", k, a, truce.Acts())
		}
	}
	return b, nil
}

func hasSourceKind(k truce.SourceKind) bool {
	for _, s := range sourceKinds {
		if s == k {
			return true
		}
	}
	return false
}

func actorKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// prefix returns ReportOptions.IDPrefix, or def if it is empty.
func (b *reportBuilder) prefix(def string) string {
	if b.opts.IDPrefix != "" {
		return b.opts.IDPrefix
	}
	return def
}

// sourceName returns ReportOptions.SourceName, or def if it is empty.
func (b *reportBuilder) sourceName(def string) string {
	if b.opts.SourceName != "" {
		return b.opts.SourceName
	}
	return def
}

// accuse returns the member ids that the actors map to, each once, in the
// order of the actors.
func (b *reportBuilder) accuse(where string, actors ...string) ([]string, error) {
	var out []string
	for _, a := range actors {
		if strings.TrimSpace(a) == "" {
			continue
		}
		var id string
		if b.opts.AccusedFunc != nil {
			id = b.opts.AccusedFunc(a)
		} else {
			id = b.accused[actorKey(a)]
		}
		if id == "" || contains(out, id) {
			continue
		}
		if err := truce.ValidateMemberID(id); err != nil {
			return nil, invalid(where, "actor %q: %s", clean(a, 200), truce.ErrorMessage(err))
		}
		out = append(out, id)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// maxSpan is the longest time a report may span.
const maxSpan = 31 * 24 * time.Hour

// outside returns why an event falls outside From and Until, or "".
func (b *reportBuilder) outside(w truce.When) string {
	switch {
	case !b.opts.From.IsZero() && w.End.Before(b.opts.From):
		return "ends before " + b.opts.From.UTC().Format(time.RFC3339)
	case !b.opts.Until.IsZero() && !w.Start.Before(b.opts.Until):
		return "starts at or after " + b.opts.Until.UTC().Format(time.RFC3339)
	}
	return ""
}

// add checks a report read at where (e.g. "line 12") and keeps it, unless
// it falls outside From and Until or skip gives a reason to leave it out.
// Every row is validated all the same; one that spans too long to report
// is checked as if it ended when it started.
func (b *reportBuilder) add(where string, r truce.Report, skip string) error {
	b.res.Rows++
	if prev, ok := b.seen[r.ClientRef]; ok && r.ClientRef != "" {
		return invalid(where, "id %s is already used on %s.", r.ClientRef, prev)
	}
	b.seen[r.ClientRef] = where
	if out := b.outside(r.When); out != "" {
		skip = out
	}
	if skip != "" && r.When.End.Sub(r.When.Start) > maxSpan {
		r.When.End = r.When.Start
	}
	if err := r.Validate(); err != nil {
		return rowError(where, err)
	}
	if skip != "" {
		b.res.Skipped++
		b.res.Reasons[skip]++
		return nil
	}
	b.res.Reports = append(b.res.Reports, r)
	return nil
}

// newReport returns a report with the importer's source kind and the
// fields every format fills the same way.
func (b *reportBuilder) newReport(ref, sourceName, sourceID, uri string) truce.Report {
	r := truce.Report{ClientRef: ref, SourceKind: b.kind, Damage: truce.Damage{Level: "unknown"},
		Casualties: truce.Casualties{Precision: "unknown"}}
	if name := clean(sourceName, 200); name != "" {
		r.Source = &truce.SourceInfo{Name: name, ID: clean(sourceID, 128), URI: uri}
	}
	return r
}
