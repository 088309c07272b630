package truce

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// Site is a protected object in the registry.
type Site struct {
	// ID is stable across updates, e.g. "gppd:WRI1005097": 1 to 128
	// letters, digits and ":._-".
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Category Category `json:"category"`
	Geometry Geometry `json:"geometry"`
	// Controller is the member id of the party that controls the site.
	Controller string `json:"controller"`
	// Operator is who runs it, if known.
	Operator string `json:"operator,omitempty"`
	// Source names the registry the site comes from, e.g.
	// "WRI Global Power Plant Database v1.3.0", and SourceRow its row there.
	Source    string `json:"source,omitempty"`
	SourceRow string `json:"source_row,omitempty"`
	// Attributes hold what the source says beyond the fields above, such
	// as capacity_mw. Keys sort in the JSON encoding, so hashes are stable.
	Attributes map[string]string `json:"attributes,omitempty"`
}

const (
	maxSiteAttributes = 16
	maxBatchSites     = 1000
)

// Validate checks the site's fields.
func (s *Site) Validate() error {
	if err := ValidateSiteID(s.ID); err != nil {
		return err
	}
	if err := validateText("Site "+s.ID+": name", s.Name, 300, true); err != nil {
		return err
	}
	if err := validateCategory("Site "+s.ID, s.Category); err != nil {
		return err
	}
	if s.Geometry.Type == "" {
		return Errorf(EINVALID, "Site %s: geometry is required.", s.ID)
	}
	if err := s.Geometry.Validate(); err != nil {
		return Errorf(EINVALID, "Site %s: %s", s.ID, ErrorMessage(err))
	}
	if err := ValidateMemberID(s.Controller); err != nil {
		return Errorf(EINVALID, "Site %s: controller: %s", s.ID, ErrorMessage(err))
	}
	for _, f := range []struct{ name, v string }{{"operator", s.Operator}, {"source", s.Source}, {"source_row", s.SourceRow}} {
		if err := validateText("Site "+s.ID+": "+f.name, f.v, 300, false); err != nil {
			return err
		}
	}
	return s.validateAttributes()
}

func (s *Site) validateAttributes() error {
	if len(s.Attributes) > maxSiteAttributes {
		return Errorf(EINVALID, "Site %s has %d attributes; at most %d are allowed.", s.ID, len(s.Attributes), maxSiteAttributes)
	}
	keys := make([]string, 0, len(s.Attributes))
	for k := range s.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := validateText("Site "+s.ID+": attribute name", k, 64, true); err != nil {
			return err
		}
		if err := validateText("Site "+s.ID+": attribute "+k, s.Attributes[k], 300, false); err != nil {
			return err
		}
	}
	return nil
}

// Hash returns the SHA-256 of the site's JSON encoding, in hex: importers
// compare it to tell an unchanged row from an update.
func (s *Site) Hash() string {
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ValidateSiteID returns EINVALID unless id is 1 to 128 letters, digits
// and ":._-".
func ValidateSiteID(id string) error {
	if len(id) == 0 || len(id) > 128 {
		return Errorf(EINVALID, "Site id %q must be 1 to 128 letters, digits and \":._-\".", id)
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '.' || c == '_' || c == '-') {
			return Errorf(EINVALID, "Site id %q must be 1 to 128 letters, digits and \":._-\".", id)
		}
	}
	return nil
}

// SiteDeclare is the body of a site.declare statement: one site, new or
// updated. A party declares the sites it controls; the mediator imports
// registries for any party.
type SiteDeclare struct {
	Site Site `json:"site"`
}

// Validate checks the site.
func (d *SiteDeclare) Validate() error { return d.Site.Validate() }

// SiteBatch is the body of a site.batch statement: many sites declared at
// once, within the log's entry limit.
type SiteBatch struct {
	Sites []Site `json:"sites"`
}

// Validate checks every site and that no id appears twice.
func (b *SiteBatch) Validate() error {
	if len(b.Sites) == 0 || len(b.Sites) > maxBatchSites {
		return Errorf(EINVALID, "A site batch holds 1 to %d sites.", maxBatchSites)
	}
	seen := map[string]bool{}
	for i := range b.Sites {
		if err := b.Sites[i].Validate(); err != nil {
			return err
		}
		if seen[b.Sites[i].ID] {
			return Errorf(EINVALID, "Site %s appears twice in the batch.", b.Sites[i].ID)
		}
		seen[b.Sites[i].ID] = true
	}
	return nil
}

// SiteRetire is the body of a site.retire statement: the site is no
// longer protected, from the statement on.
type SiteRetire struct {
	Site   string `json:"site"`
	Reason string `json:"reason"`
}

// Validate checks the fields.
func (r *SiteRetire) Validate() error {
	if err := ValidateSiteID(r.Site); err != nil {
		return err
	}
	return validateText("reason", r.Reason, 2000, true)
}

// The grounds of a site dispute.
const (
	DisputeNotCivilian = "not_civilian" // the site serves military purposes
	DisputeCategory    = "category"     // the site is of another category
	DisputeController  = "controller"   // another party controls it
	DisputeLocation    = "location"     // it is not where the registry says
	DisputeNotExisting = "not_existing" // there is no such object
)

// SiteDispute is the body of a site.dispute statement: a party contests a
// site declared by another, with reasons. The site stays in the registry,
// marked disputed; a determination settles it.
type SiteDispute struct {
	Site    string `json:"site"`
	Grounds string `json:"grounds"`
	// Category is the category the disputing party says is right, for
	// grounds "category".
	Category Category `json:"category,omitempty"`
	Reason   string   `json:"reason"`
}

// Validate checks the fields.
func (d *SiteDispute) Validate() error {
	if err := ValidateSiteID(d.Site); err != nil {
		return err
	}
	switch d.Grounds {
	case DisputeNotCivilian, DisputeController, DisputeLocation, DisputeNotExisting:
	case DisputeCategory:
		if err := validateCategory("category", d.Category); err != nil {
			return err
		}
	default:
		return Errorf(EINVALID, "grounds %q is not one of not_civilian, category, controller, location, not_existing.", d.Grounds)
	}
	return validateText("reason", d.Reason, 4000, true)
}
