package truce

import (
	"encoding/hex"

	"regexp"
	"time"
)

// Report is the body of a report statement: a claim that something
// happened. It is the claim of its signer, with the precision of each
// part as the signer knows it, in the manner of the ACLED and UCDP
// codebooks; whom it accuses is an allegation, not a finding.
type Report struct {
	// ClientRef is the reporter's own reference, unique per signer, so that
	// a report sent twice is refused rather than counted twice.
	ClientRef  string      `json:"client_ref,omitempty"`
	When       When        `json:"when"`
	Where      Where       `json:"where"`
	Act        Act         `json:"act"`
	Target     Target      `json:"target"`
	Accused    []string    `json:"accused,omitempty"`
	Damage     Damage      `json:"damage"`
	Casualties Casualties  `json:"casualties"`
	Evidence   []Evidence  `json:"evidence,omitempty"`
	SourceKind SourceKind  `json:"source_kind"`
	Source     *SourceInfo `json:"source,omitempty"`
	Text       string      `json:"text,omitempty"`
}

// When is the time of an event and how precisely it is known.
type When struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Precision is minute, hour, day or range (somewhere between Start and End).
	Precision string `json:"precision"`
}

// Where is the place of an event and how precisely it is known.
type Where struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	// RadiusMetres is the uncertainty around the point.
	RadiusMetres float64 `json:"radius_m"`
	// Precision is exact, near (within a few km), district or region.
	Precision string `json:"precision"`
	Place     string `json:"place,omitempty"`
	// Admin are administrative codes, e.g. ISO 3166-2 "UA-23".
	Admin []string `json:"admin,omitempty"`
}

// Position returns the point as a GeoJSON position.
func (w Where) Position() Position { return Position{w.Lon, w.Lat} }

// Target is what the report says was hit.
type Target struct {
	Text  string   `json:"text,omitempty"`
	Sites []string `json:"sites,omitempty"`
}

// Damage is the reported damage.
type Damage struct {
	// Level is none, minor, moderate, severe, destroyed or unknown.
	Level string `json:"level"`
	Text  string `json:"text,omitempty"`
}

// Casualties are the reported dead and injured; nil counts are unknown.
type Casualties struct {
	Killed  *int `json:"killed,omitempty"`
	Injured *int `json:"injured,omitempty"`
	// Precision is exact, estimate or unknown.
	Precision string `json:"precision"`
}

// Evidence is a file that supports a report, by hash: never its bytes.
type Evidence struct {
	SHA256     string     `json:"sha256"`
	MediaType  string     `json:"media_type"`
	CapturedAt *time.Time `json:"captured_at,omitempty"`
	// CapturedWhere is where the file was made, if known.
	CapturedWhere *Where `json:"captured_where,omitempty"`
	URI           string `json:"uri,omitempty"`
}

// SourceKind says where a report's information comes from.
type SourceKind string

// The kinds of source.
const (
	SourceParty        SourceKind = "party"
	SourceMonitor      SourceKind = "monitor"
	SourceOSINT        SourceKind = "osint"
	SourceSensor       SourceKind = "sensor"
	SourceCivilSociety SourceKind = "civil_society"
	SourceMediator     SourceKind = "mediator"
)

// Impartial reports whether a source kind counts as impartial
// corroboration: a monitor's own observation or a sensor's record.
func (k SourceKind) Impartial() bool { return k == SourceMonitor || k == SourceSensor }

// sourceKinds lists which kinds each role may claim: a party speaks as a
// party, a monitor as a monitor or for its sensors, a vetted source or the
// mediator passes on what others observed.
var sourceKinds = map[Role][]SourceKind{
	RoleParty:    {SourceParty},
	RoleMonitor:  {SourceMonitor, SourceSensor},
	RoleSource:   {SourceOSINT, SourceSensor, SourceCivilSociety},
	RoleMediator: {SourceMediator, SourceOSINT, SourceCivilSociety},
}

// SourceInfo names an outside source a report passes on, e.g. a UCDP event.
type SourceInfo struct {
	Name string `json:"name"`
	ID   string `json:"id,omitempty"`
	URI  string `json:"uri,omitempty"`
}

// Precision codes.
var (
	timePrecisions   = []string{"minute", "hour", "day", "range"}
	placePrecisions  = []string{"exact", "near", "district", "region"}
	damageLevels     = []string{"none", "minor", "moderate", "severe", "destroyed", "unknown"}
	countPrecisions  = []string{"exact", "estimate", "unknown"}
	clientRefPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$`)
	mediaTypePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$`)
)

// MaxRadiusMetres is the largest uncertainty a report may give: about the
// width of Ukraine. A report that cannot place an event closer says so
// with precision "region" and a radius within this.
const MaxRadiusMetres = 1000000

func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return Errorf(EINVALID, "%s %q is not one of %v.", field, v, allowed)
}

// Validate checks every field; errors name the field and the reason.
func (r *Report) Validate() error {
	if err := r.validate(); err != nil {
		return Errorf(ErrorCode(err), "Report field %s", ErrorMessage(err))
	}
	return nil
}

func (r *Report) validate() error {
	if r.ClientRef != "" && !clientRefPattern.MatchString(r.ClientRef) {
		return Errorf(EINVALID, "client_ref %q must be 1 to 128 letters, digits and \":._/-\".", r.ClientRef)
	}
	for _, check := range []func() error{r.When.validate, r.Where.validate, r.validateWhat, r.validateEvidence, r.validateSource} {
		if err := check(); err != nil {
			return err
		}
	}
	return validateText("text", r.Text, 8000, false)
}

func (w *When) validate() error {
	switch {
	case w.Start.IsZero() || w.End.IsZero():
		return Errorf(EINVALID, "when.start and when.end are required (RFC 3339).")
	case w.End.Before(w.Start):
		return Errorf(EINVALID, "when.end (%s) is before when.start (%s).", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339))
	case w.End.Sub(w.Start) > 31*24*time.Hour:
		return Errorf(EINVALID, "when spans more than 31 days; report what is known within a month.")
	case w.Start.Year() < 1900 || w.End.Year() > 9999:
		return Errorf(EINVALID, "when is outside the years 1900 to 9999.")
	}
	return oneOf("when.precision", w.Precision, timePrecisions)
}

func (w *Where) validate() error {
	if err := validatePosition(w.Position()); err != nil {
		return Errorf(EINVALID, "where: %s", ErrorMessage(err))
	}
	if !(w.RadiusMetres >= 0 && w.RadiusMetres <= MaxRadiusMetres) {
		return Errorf(EINVALID, "where.radius_m must be 0 to %d metres, not %v.", MaxRadiusMetres, w.RadiusMetres)
	}
	if err := oneOf("where.precision", w.Precision, placePrecisions); err != nil {
		return err
	}
	if err := validateText("where.place", w.Place, 300, false); err != nil {
		return err
	}
	if len(w.Admin) > 8 {
		return Errorf(EINVALID, "where.admin lists more than 8 codes.")
	}
	for _, a := range w.Admin {
		if err := validateText("where.admin", a, 32, true); err != nil {
			return err
		}
	}
	return nil
}

func (r *Report) validateWhat() error {
	if !r.Act.Valid() {
		return Errorf(EINVALID, "act %q is not one of %v.", r.Act, Acts())
	}
	if err := validateText("target.text", r.Target.Text, 1000, false); err != nil {
		return err
	}
	if len(r.Target.Sites) > 32 {
		return Errorf(EINVALID, "target.sites lists more than 32 sites.")
	}
	for _, id := range r.Target.Sites {
		if err := ValidateSiteID(id); err != nil {
			return Errorf(EINVALID, "target.sites: %s", ErrorMessage(err))
		}
	}
	seen := map[string]bool{}
	for _, a := range r.Accused {
		if err := ValidateMemberID(a); err != nil {
			return Errorf(EINVALID, "accused: %s", ErrorMessage(err))
		}
		if seen[a] {
			return Errorf(EINVALID, "accused: %q is named twice.", a)
		}
		seen[a] = true
	}
	if err := oneOf("damage.level", r.Damage.Level, damageLevels); err != nil {
		return err
	}
	if err := validateText("damage.text", r.Damage.Text, 2000, false); err != nil {
		return err
	}
	return r.Casualties.validate()
}

func (c *Casualties) validate() error {
	for _, n := range []*int{c.Killed, c.Injured} {
		if n != nil && (*n < 0 || *n > 1000000) {
			return Errorf(EINVALID, "casualties must be 0 to 1000000, not %d.", *n)
		}
	}
	return oneOf("casualties.precision", c.Precision, countPrecisions)
}

func (r *Report) validateEvidence() error { return validateEvidence(r.Evidence) }

// validateEvidence checks a list of evidence files, of a report or a
// response.
func validateEvidence(files []Evidence) error {
	if len(files) > 64 {
		return Errorf(EINVALID, "evidence lists more than 64 files; put the rest in an archive and list its hash.")
	}
	for i, e := range files {
		if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != 32 || e.SHA256 != hexLower(e.SHA256) {
			return Errorf(EINVALID, "evidence %d: sha256 must be 64 lowercase hex digits.", i)
		}
		if !mediaTypePattern.MatchString(e.MediaType) {
			return Errorf(EINVALID, "evidence %d: media_type %q is not a media type such as image/jpeg.", i, e.MediaType)
		}
		if e.CapturedWhere != nil {
			if err := validatePosition(e.CapturedWhere.Position()); err != nil {
				return Errorf(EINVALID, "evidence %d: captured_where: %s", i, ErrorMessage(err))
			}
		}
		if err := validateText("evidence uri", e.URI, 2000, false); err != nil {
			return err
		}
	}
	return nil
}

func (r *Report) validateSource() error {
	if r.Source == nil {
		return nil
	}
	if err := validateText("source.name", r.Source.Name, 200, true); err != nil {
		return err
	}
	if err := validateText("source.id", r.Source.ID, 200, false); err != nil {
		return err
	}
	return validateText("source.uri", r.Source.URI, 2000, false)
}

// ReportRetract is the body of a report.retract statement: the reporter
// withdraws its report, which stays in the log and stops counting.
type ReportRetract struct {
	Report string `json:"report"`
	Reason string `json:"reason"`
}

// Validate checks the fields.
func (r *ReportRetract) Validate() error {
	if b, err := hex.DecodeString(r.Report); err != nil || len(b) != 32 {
		return Errorf(EINVALID, "report must be a statement id: 64 hex digits.")
	}
	return validateText("reason", r.Reason, 2000, true)
}

// DecodeReport decodes a report from JSON, strictly, and validates it.
func DecodeReport(data []byte) (*Report, error) {
	if err := checkDepth(data, maxDepth); err != nil {
		return nil, err
	}
	var r Report
	if err := decodeStrict(data, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}
