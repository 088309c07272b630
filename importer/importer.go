package importer

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/truce-project/truce"
)

// Options configures Read. The zero value is not enough: some way to find
// each site's controlling party (Controller, Controllers or
// DefaultController) is required.
type Options struct {
	// Controller, if set, returns the member id of the party that controls
	// a site, given the country the row names (as the source writes it,
	// e.g. "UKR", "UA" or "UA-43"; "" if the row names none) and a
	// representative position: the point itself, or the first position of
	// a line or of a polygon's outer ring. Returning "" skips the row.
	// Optional; when set, Controllers and DefaultController are not used.
	Controller func(country string, p truce.Position) string

	// Controllers maps country codes to member ids, e.g. {"UKR": "ua",
	// "UA": "ua", "RUS": "ru", "RU": "ru"}. Keys match regardless of
	// case. A subdivision code such as "UA-43" matches its own key first,
	// then its country's ("UA"). Optional.
	Controllers map[string]string

	// DefaultController is the member id for rows whose country is not in
	// Controllers, or that name no country (OpenStreetMap extracts, the
	// grid files). Optional: when empty, such rows are skipped and counted
	// in Result.Skipped.
	DefaultController string

	// Source names the registry in each site's Source field. Optional; the
	// default depends on the format (see Formats), and for csv and geojson
	// it is the row's "source" column or property, if any.
	Source string

	// IDPrefix goes before each row's own id to make the site id, e.g.
	// "gppd:". Optional; the default depends on the format (none for csv,
	// geojson and truce-candidates).
	IDPrefix string

	// The fields below apply to the csv and geojson formats, where they
	// name columns (csv) or feature properties (geojson). Names match
	// regardless of case. Each default is used only if the file has it.

	// IDColumn holds each row's own id. Default "id"; for geojson the
	// feature's "id" member is used when the property is absent.
	IDColumn string
	// NameColumn holds the site's name. Default "name".
	NameColumn string
	// LatColumn and LonColumn hold WGS84 decimal degrees (csv only).
	// Defaults "latitude" or "lat", and "longitude", "lon" or "lng".
	LatColumn, LonColumn string
	// WKTColumn, if set, holds the geometry as WKT or EWKT
	// ("SRID=4326;LINESTRING(...)") instead of LatColumn and LonColumn
	// (csv only). Optional.
	WKTColumn string
	// CategoryColumn holds each row's category: a value of Categories, or
	// else a category of the taxonomy (truce.Categories). Default
	// "category"; not used when Category is set.
	CategoryColumn string
	// Category, if set, is the category of every row.
	Category truce.Category
	// Categories maps the source's own values in CategoryColumn to
	// categories, e.g. {"substation": "energy.transmission.substation"}.
	// Optional.
	Categories map[string]truce.Category
	// CountryColumn holds the country code passed to Controller or looked
	// up in Controllers. Default "country".
	CountryColumn string
	// ControllerColumn holds a member id that, where not empty, is the
	// site's controller as is. Default "controller".
	ControllerColumn string
	// OperatorColumn holds who runs the site. Default "operator".
	OperatorColumn string
	// AttributeColumns are copied into each site's Attributes, under
	// their own names, where not empty. Optional; at most 16 attributes.
	AttributeColumns []string
}

// Result is what Read returns: the sites to declare and what it left out.
type Result struct {
	// Sites are the rows imported, valid and with distinct ids, in file
	// order (for OpenStreetMap: nodes, then ways).
	Sites []truce.Site
	// Skips counts the rows (features for geojson; elements that map to a
	// category for OpenStreetMap) and those left out, e.g. "country RUS
	// maps to no party" or "grid type joint is not a protected object".
	Skips
}

// Skips counts the rows an importer read and those it left out.
type Skips struct {
	// Rows counts the rows read, imported or skipped.
	Rows int
	// Skipped counts the rows left out, and Reasons counts them by reason.
	Skipped int
	Reasons map[string]int
}

// Summary returns Reasons as sorted lines such as
// "545 skipped: country RUS maps to no party".
func (r *Skips) Summary() []string {
	lines := make([]string, 0, len(r.Reasons))
	for reason, n := range r.Reasons {
		lines = append(lines, fmt.Sprintf("%d skipped: %s", n, reason))
	}
	sort.Strings(lines)
	return lines
}

// Format describes one input format Read accepts.
type Format struct {
	Name        string
	Description string
}

type reader func(r io.Reader, b *builder) error

var formats = []struct {
	Format
	read reader
}{
	{Format{"gppd", "WRI Global Power Plant Database CSV (gppd_idnr, primary_fuel, ...)"}, readGPPD},
	{Format{"geonuclear", "GeoNuclearData reactors CSV (Id, Name, Status, ReactorType, Capacity, ...)"}, readGeoNuclear},
	{Format{"csv", "CSV with a column mapping (Options: IDColumn, NameColumn, LatColumn, ...)"}, readGenericCSV},
	{Format{"osm-grid-nodes", "High-voltage grid nodes from OpenStreetMap (GridKit v_id, lon, lat, typ, ...)"}, readGridNodes},
	{Format{"osm-grid-links", "High-voltage grid lines from OpenStreetMap (GridKit l_id, wkt_srid_4326, ...)"}, readGridLinks},
	{Format{"truce-candidates", "Merged candidate registry CSV (site_id, name, site_type, latitude, ...)"}, readCandidates},
	{Format{"geojson", "GeoJSON FeatureCollection (RFC 7946) with id, name and category properties"}, readGeoJSON},
	{Format{"osm", "OpenStreetMap XML extract (.osm), mapped by tags"}, readOSMXML},
	{Format{"osm-pbf", "OpenStreetMap PBF extract (.osm.pbf), mapped by tags"}, readOSMPBF},
}

// Formats returns the formats Read accepts, with a one-line description
// of each.
func Formats() []Format {
	out := make([]Format, len(formats))
	for i, f := range formats {
		out[i] = f.Format
	}
	return out
}

// FormatOf guesses the format from a file name's extension: "geojson" for
// .geojson, "osm" for .osm, "osm-pbf" for .pbf. It returns "" for anything
// else, CSV included, whose layout the caller must name.
func FormatOf(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".geojson"):
		return "geojson"
	case strings.HasSuffix(n, ".osm"):
		return "osm"
	case strings.HasSuffix(n, ".pbf"):
		return "osm-pbf"
	}
	return ""
}

// Read reads the sites of one registry file in the given format (one of
// Formats). Every row is checked; if any is bad, Read returns no result
// and an EINVALID error naming the row (its line, or the feature or
// element) and the reason, so that nothing from the file is declared. An
// unknown format or options that do not say how to find each site's
// controller also give EINVALID. Errors reading r are returned wrapped.
//
// For the osm and osm-pbf formats, Read reads r twice if it is an
// io.ReadSeeker (such as an *os.File), keeping only the coordinates it
// needs; otherwise it keeps the coordinates of every node of the file.
func Read(r io.Reader, format string, opts Options) (*Result, error) {
	var read reader
	for _, f := range formats {
		if f.Name == format {
			read = f.read
		}
	}
	if read == nil {
		names := make([]string, len(formats))
		for i, f := range formats {
			names[i] = f.Name
		}
		return nil, truce.Errorf(truce.EINVALID, "Unknown import format %q; want one of %s.", format, strings.Join(names, ", "))
	}
	b, err := newBuilder(opts)
	if err != nil {
		return nil, err
	}
	er := &errReader{r: r}
	if rs, ok := r.(io.ReadSeeker); ok {
		// A pipe is an *os.File too, but cannot seek.
		if off, err := rs.Seek(0, io.SeekCurrent); err == nil {
			er.s, er.start = rs, off
		}
	}
	err = read(er, b)
	if er.err != nil {
		return nil, fmt.Errorf("read %s: %w", format, er.err)
	}
	if err != nil {
		return nil, err
	}
	return &b.res, nil
}

// errReader remembers the first error of its reader other than io.EOF, so
// that Read can tell a failing file from a malformed one.
type errReader struct {
	r     io.Reader
	s     io.ReadSeeker // r, if it can seek
	start int64         // where s was when Read began
	err   error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// rewind seeks back to where Read began, if it can.
func (e *errReader) rewind() bool {
	if e.s == nil {
		return false
	}
	if _, err := e.s.Seek(e.start, io.SeekStart); err != nil {
		if e.err == nil {
			e.err = err
		}
		return false
	}
	return true
}

// builder collects the sites of one file: it resolves controllers,
// validates each site and rejects duplicate ids.
type builder struct {
	opts        Options
	controllers map[string]string         // upper-cased keys
	categories  map[string]truce.Category // lower-cased keys
	seen        map[string]string         // site id -> where it was read
	res         Result
}

func newBuilder(opts Options) (*builder, error) {
	if opts.Controller == nil && len(opts.Controllers) == 0 && opts.DefaultController == "" {
		return nil, truce.Errorf(truce.EINVALID, "No way to tell who controls the sites: set Controllers (country code to member id, e.g. UKR=ua) or a default controller.")
	}
	b := &builder{opts: opts, controllers: map[string]string{}, categories: map[string]truce.Category{}, seen: map[string]string{}}
	b.res.Reasons = map[string]int{}
	for _, k := range sortedKeys(opts.Controllers) {
		v := opts.Controllers[k]
		if err := truce.ValidateMemberID(v); err != nil {
			return nil, truce.Errorf(truce.EINVALID, "Controller for country %q: %s", k, truce.ErrorMessage(err))
		}
		uk := strings.ToUpper(strings.TrimSpace(k))
		if prev, ok := b.controllers[uk]; ok && prev != v {
			return nil, truce.Errorf(truce.EINVALID, "Country %q is mapped twice, to %q and %q.", uk, prev, v)
		}
		b.controllers[uk] = v
	}
	if opts.DefaultController != "" {
		if err := truce.ValidateMemberID(opts.DefaultController); err != nil {
			return nil, truce.Errorf(truce.EINVALID, "Default controller: %s", truce.ErrorMessage(err))
		}
	}
	for _, k := range sortedKeys(opts.Categories) {
		c := opts.Categories[k]
		if !c.Valid() {
			return nil, truce.Errorf(truce.EINVALID, "Category mapping %q: unknown category %q.", k, c)
		}
		lk := strings.ToLower(strings.TrimSpace(k))
		if prev, ok := b.categories[lk]; ok && prev != c {
			return nil, truce.Errorf(truce.EINVALID, "Category mapping %q is given twice, as %q and %q.", lk, prev, c)
		}
		b.categories[lk] = c
	}
	if opts.Category != "" && !opts.Category.Valid() {
		return nil, truce.Errorf(truce.EINVALID, "Unknown category %q.", opts.Category)
	}
	return b, nil
}

// prefix returns Options.IDPrefix, or def if it is empty.
func (b *builder) prefix(def string) string {
	if b.opts.IDPrefix != "" {
		return b.opts.IDPrefix
	}
	return def
}

// source returns Options.Source, or def if it is empty.
func (b *builder) source(def string) string {
	if b.opts.Source != "" {
		return b.opts.Source
	}
	return def
}

// controller returns the member id for a site in country at p, or "".
func (b *builder) controller(country string, p truce.Position) string {
	if b.opts.Controller != nil {
		return b.opts.Controller(country, p)
	}
	c := strings.ToUpper(strings.TrimSpace(country))
	if id, ok := b.controllers[c]; ok {
		return id
	}
	if i := strings.IndexByte(c, '-'); i > 0 {
		if id, ok := b.controllers[c[:i]]; ok {
			return id
		}
	}
	return b.opts.DefaultController
}

// placeholder stands in for a missing controller while a skipped row is
// validated.
const placeholder = "unassigned"

// add checks a site read at where (e.g. "line 12") and keeps it. The site
// is skipped if skip is not empty, or if it has no controller and none is
// found for country; every row is validated all the same.
func (b *builder) add(where string, s truce.Site, country, skip string) error {
	b.res.Rows++
	if err := truce.ValidateSiteID(s.ID); err != nil {
		return rowError(where, err)
	}
	if prev, ok := b.seen[s.ID]; ok {
		return truce.Errorf(truce.EINVALID, "%s: site id %s is already used on %s.", where, s.ID, prev)
	}
	b.seen[s.ID] = where
	if skip != "" {
		b.skip(skip)
		return nil
	}
	if s.Controller == "" {
		s.Controller = b.controller(country, anchor(&s.Geometry))
	}
	ctrl := s.Controller
	if ctrl == "" {
		s.Controller = placeholder
	}
	if err := s.Validate(); err != nil {
		return rowError(where, err)
	}
	if ctrl == "" {
		b.skip(noParty(country))
		return nil
	}
	b.res.Sites = append(b.res.Sites, s)
	return nil
}

func (b *builder) skip(reason string) {
	b.res.Skipped++
	b.res.Reasons[reason]++
}

func noParty(country string) string {
	if country == "" {
		return "no country given and no default controller"
	}
	return fmt.Sprintf("country %s maps to no party", country)
}

// anchor returns the position passed to Options.Controller.
func anchor(g *truce.Geometry) truce.Position {
	switch {
	case g.Type == "Point":
		return g.Point
	case len(g.Lines) > 0 && len(g.Lines[0]) > 0:
		return g.Lines[0][0]
	case len(g.Polygons) > 0 && len(g.Polygons[0]) > 0 && len(g.Polygons[0][0]) > 0:
		return g.Polygons[0][0][0]
	}
	return truce.Position{}
}

// rowError returns EINVALID naming where the bad row is.
func rowError(where string, err error) error {
	var te *truce.Error
	if errors.As(err, &te) {
		return truce.Errorf(truce.EINVALID, "%s: %s", where, te.Message)
	}
	return truce.Errorf(truce.EINVALID, "%s: %v", where, err)
}

// invalid returns EINVALID naming where, with a formatted reason.
func invalid(where, format string, args ...any) error {
	return truce.Errorf(truce.EINVALID, "%s: %s", where, fmt.Sprintf(format, args...))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
