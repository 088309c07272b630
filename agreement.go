package truce

import (
	"regexp"
	"time"
)

// Agreement is one version of machine-readable terms. Versions of one
// agreement share its ID; each names the version it supersedes.
type Agreement struct {
	// ID names the agreement across its versions, e.g. "energy-moratorium".
	ID      string `json:"id"`
	Version int    `json:"version"`
	// Supersedes is the version this one replaces, or 0 for the first.
	Supersedes int    `json:"supersedes,omitempty"`
	Title      string `json:"title"`
	// Parties are the member ids of the parties bound by these terms; each
	// must sign this version before it is in force.
	Parties  []string `json:"parties"`
	Mediator string   `json:"mediator,omitempty"`
	Window   Window   `json:"window"`
	Clauses  []Clause `json:"clauses"`
	// Corroboration says how close in time and place two reports must be
	// to be taken as the same event.
	Corroboration Corroboration `json:"corroboration"`
	// ReplyDeadline is how long an accused party has to reply.
	ReplyDeadline Duration    `json:"reply_deadline"`
	Publication   Publication `json:"publication"`
}

// Window is when the terms apply: from From, or a party's later
// acceptance, until Until if set.
type Window struct {
	From       time.Time  `json:"from"`
	Until      *time.Time `json:"until,omitempty"`
	Extendable bool       `json:"extendable,omitempty"`
}

// Clause is one obligation with a stable id: an id is never reused for
// other text in any version of the agreement.
type Clause struct {
	ID        string     `json:"id"`
	Title     string     `json:"title,omitempty"`
	Text      string     `json:"text"`
	Protects  []Category `json:"protects"`
	Prohibits []Act      `json:"prohibits"`
	// Zone, a Polygon or MultiPolygon, limits the clause to an area, e.g.
	// a maritime zone. Without it the clause applies everywhere.
	Zone *Geometry `json:"zone,omitempty"`
	// Buffers widen the protection of a category by a distance, so that a
	// strike near a plant counts as a strike on it.
	Buffers []Buffer `json:"buffers,omitempty"`
}

// Buffer is the protection distance around sites of a category.
type Buffer struct {
	Category Category `json:"category"`
	Metres   float64  `json:"metres"`
}

// Corroboration is the window in which reports are grouped as one event.
type Corroboration struct {
	Window Duration `json:"window"`
	Metres float64  `json:"metres"`
}

// Publication is what the public sees.
type Publication struct {
	// Incidents is "none", "determined" (those a determination publishes)
	// or "all".
	Incidents string `json:"incidents"`
	// CoarsenMetres is the grid to which public coordinates are rounded.
	CoarsenMetres float64 `json:"coarsen_metres"`
	// RestrictedSiteFields are site fields the public does not see, e.g.
	// "operator" or "attributes".
	RestrictedSiteFields []string `json:"restricted_site_fields,omitempty"`
}

var (
	agreementIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	clauseIDPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
)

// Validate checks the terms. Each error names the field and the reason.
func (a *Agreement) Validate() error {
	if !agreementIDPattern.MatchString(a.ID) {
		return Errorf(EINVALID, "id %q must be 1 to 63 lowercase letters, digits and hyphens.", a.ID)
	}
	if a.Version < 1 || a.Supersedes < 0 || a.Supersedes >= a.Version {
		return Errorf(EINVALID, "version must be 1 or more and supersedes an earlier version (got version %d, supersedes %d).", a.Version, a.Supersedes)
	}
	if err := validateText("title", a.Title, 300, true); err != nil {
		return err
	}
	if err := a.validateMembers(); err != nil {
		return err
	}
	if err := a.Window.validate(); err != nil {
		return err
	}
	if err := a.validateClauses(); err != nil {
		return err
	}
	if err := a.Corroboration.validate(); err != nil {
		return err
	}
	if a.ReplyDeadline <= 0 || time.Duration(a.ReplyDeadline) > 90*24*time.Hour {
		return Errorf(EINVALID, "reply_deadline must be more than 0 and at most 90d.")
	}
	return a.Publication.validate()
}

func (a *Agreement) validateMembers() error {
	if len(a.Parties) == 0 {
		return Errorf(EINVALID, "parties: name at least one party.")
	}
	seen := map[string]bool{}
	for _, p := range a.Parties {
		if err := ValidateMemberID(p); err != nil {
			return Errorf(EINVALID, "parties: %s", ErrorMessage(err))
		}
		if seen[p] {
			return Errorf(EINVALID, "parties: %q is named twice.", p)
		}
		seen[p] = true
	}
	if a.Mediator != "" {
		if err := ValidateMemberID(a.Mediator); err != nil {
			return Errorf(EINVALID, "mediator: %s", ErrorMessage(err))
		}
	}
	return nil
}

func (w *Window) validate() error {
	if w.From.IsZero() {
		return Errorf(EINVALID, "window.from is required (RFC 3339).")
	}
	if err := validateYear("window.from", w.From); err != nil {
		return err
	}
	if w.Until != nil {
		if err := validateYear("window.until", *w.Until); err != nil {
			return err
		}
	}
	if w.Until != nil && !w.Until.After(w.From) {
		return Errorf(EINVALID, "window.until (%s) must be after window.from (%s).", w.Until.Format(time.RFC3339), w.From.Format(time.RFC3339))
	}
	return nil
}

func (a *Agreement) validateClauses() error {
	if len(a.Clauses) == 0 || len(a.Clauses) > 100 {
		return Errorf(EINVALID, "clauses: an agreement has 1 to 100 clauses.")
	}
	seen := map[string]bool{}
	for i := range a.Clauses {
		c := &a.Clauses[i]
		if err := c.validate(); err != nil {
			return err
		}
		if seen[c.ID] {
			return Errorf(EINVALID, "clauses: id %q is used twice.", c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

func (c *Clause) validate() error {
	if !clauseIDPattern.MatchString(c.ID) {
		return Errorf(EINVALID, "clauses: id %q must be 1 to 32 letters, digits and \"._-\".", c.ID)
	}
	field := "clause " + c.ID
	if err := validateText(field+": text", c.Text, 8000, true); err != nil {
		return err
	}
	if err := validateText(field+": title", c.Title, 300, false); err != nil {
		return err
	}
	if len(c.Protects) == 0 {
		return Errorf(EINVALID, "%s: protects names no category.", field)
	}
	for _, cat := range c.Protects {
		if err := validateCategory(field+": protects", cat); err != nil {
			return err
		}
	}
	if len(c.Prohibits) == 0 {
		return Errorf(EINVALID, "%s: prohibits names no act.", field)
	}
	for _, act := range c.Prohibits {
		if !act.Valid() {
			return Errorf(EINVALID, "%s: prohibits: unknown act %q (one of %v).", field, act, Acts())
		}
	}
	if c.Zone != nil && c.Zone.Type != "Polygon" && c.Zone.Type != "MultiPolygon" {
		return Errorf(EINVALID, "%s: zone must be a Polygon or MultiPolygon, not %s.", field, c.Zone.Type)
	}
	if c.Zone != nil {
		if err := c.Zone.Validate(); err != nil {
			return Errorf(EINVALID, "%s: zone: %s", field, ErrorMessage(err))
		}
	}
	return c.validateBuffers(field)
}

func (c *Clause) validateBuffers(field string) error {
	seen := map[Category]bool{}
	for _, b := range c.Buffers {
		if err := validateCategory(field+": buffers", b.Category); err != nil {
			return err
		}
		if !(b.Metres >= 0 && b.Metres <= 100000) {
			return Errorf(EINVALID, "%s: buffer for %s must be 0 to 100000 metres.", field, b.Category)
		}
		if seen[b.Category] {
			return Errorf(EINVALID, "%s: buffer for %s is given twice.", field, b.Category)
		}
		seen[b.Category] = true
	}
	return nil
}

func (c *Corroboration) validate() error {
	if c.Window <= 0 || time.Duration(c.Window) > 30*24*time.Hour {
		return Errorf(EINVALID, "corroboration.window must be more than 0 and at most 30d.")
	}
	if !(c.Metres > 0 && c.Metres <= 200000) {
		return Errorf(EINVALID, "corroboration.metres must be more than 0 and at most 200000.")
	}
	return nil
}

func (p *Publication) validate() error {
	switch p.Incidents {
	case "none", "determined", "all":
	default:
		return Errorf(EINVALID, "publication.incidents must be none, determined or all, not %q.", p.Incidents)
	}
	if !(p.CoarsenMetres >= 0 && p.CoarsenMetres <= 100000) {
		return Errorf(EINVALID, "publication.coarsen_metres must be 0 to 100000.")
	}
	for _, f := range p.RestrictedSiteFields {
		switch f {
		case "operator", "attributes", "source_row", "controller":
		default:
			return Errorf(EINVALID, "publication.restricted_site_fields: %q is not one of operator, attributes, source_row, controller.", f)
		}
	}
	return nil
}

// Clause returns the clause with id, or nil.
func (a *Agreement) Clause(id string) *Clause {
	for i := range a.Clauses {
		if a.Clauses[i].ID == id {
			return &a.Clauses[i]
		}
	}
	return nil
}

// HasParty reports whether member is a party to these terms.
func (a *Agreement) HasParty(member string) bool {
	for _, p := range a.Parties {
		if p == member {
			return true
		}
	}
	return false
}

// AgreementPropose is the body of an agreement.propose statement.
type AgreementPropose struct {
	Agreement Agreement `json:"agreement"`
}

// Validate checks the terms.
func (p *AgreementPropose) Validate() error { return p.Agreement.Validate() }

// AgreementSign is the body of an agreement.sign statement: a party's
// assent to one version, with the time from which it accepts it.
type AgreementSign struct {
	Agreement    string    `json:"agreement"`
	Version      int       `json:"version"`
	AcceptedFrom time.Time `json:"accepted_from"`
}

// Validate checks the fields.
func (s *AgreementSign) Validate() error {
	if !agreementIDPattern.MatchString(s.Agreement) {
		return Errorf(EINVALID, "agreement %q is not an agreement id.", s.Agreement)
	}
	if s.Version < 1 {
		return Errorf(EINVALID, "version must be 1 or more.")
	}
	if s.AcceptedFrom.IsZero() {
		return Errorf(EINVALID, "accepted_from is required (RFC 3339).")
	}
	return validateYear("accepted_from", s.AcceptedFrom)
}

// validateYear returns EINVALID unless t falls in the years 0000 to 9999
// in UTC, which RFC 3339 can write: records and stores keep times in UTC,
// where a time at the edge with an offset would not encode.
func validateYear(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return Errorf(EINVALID, "%s %s is outside years 0000 to 9999 in UTC.", field, t.Format(time.RFC3339))
	}
	return nil
}

// DecodeAgreement decodes agreement terms from JSON, strictly (unknown
// fields are errors), and validates them.
func DecodeAgreement(data []byte) (*Agreement, error) {
	if err := checkDepth(data, maxDepth); err != nil {
		return nil, err
	}
	var a Agreement
	if err := decodeStrict(data, &a); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}
