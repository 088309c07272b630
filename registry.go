package truce

import (
	"sort"
	"time"
)

// Site statuses.
const (
	SiteDeclared = "declared"
	SiteDisputed = "disputed"
	SiteRetired  = "retired"
)

// SiteState is a site as the registry holds it now.
type SiteState struct {
	Site
	Status string `json:"status"`
	// Hash is Site.Hash of the current version.
	Hash string `json:"hash"`
	// DeclaredBy is the member that first declared the site; Since is the
	// claimed time of that statement and DeclaredAt its log index.
	DeclaredBy string    `json:"declared_by"`
	Since      time.Time `json:"since"`
	DeclaredAt uint64    `json:"declared_at"`
	// UpdatedAt is the log index of the latest statement about the site.
	UpdatedAt uint64 `json:"updated_at"`
	// RetiredSince is the claimed time of the retirement, if retired.
	RetiredSince *time.Time `json:"retired_since,omitempty"`
}

// ActiveAt reports whether the site was protected at t: declared by then
// and not yet retired.
func (s *SiteState) ActiveAt(t time.Time) bool {
	return !t.Before(s.Since) && (s.RetiredSince == nil || t.Before(*s.RetiredSince))
}

// SiteEvent is one entry of a site's history.
type SiteEvent struct {
	Site      string    `json:"site"`
	Index     uint64    `json:"index"`
	Statement string    `json:"statement"`
	Kind      Kind      `json:"kind"`
	Signer    string    `json:"signer"`
	Time      time.Time `json:"time"`
	// Summary says what changed, e.g. "declared", "updated: geometry",
	// "disputed (not_civilian): ...".
	Summary string `json:"summary"`
}

// Registry holds the protected sites. It is not safe for concurrent use.
type Registry struct {
	sites map[string]*SiteState
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{sites: map[string]*SiteState{}} }

// RestoreRegistry returns the registry that persisted sites describe.
func RestoreRegistry(sites []SiteState) *Registry {
	r := NewRegistry()
	for i := range sites {
		s := sites[i]
		r.sites[s.ID] = &s
	}
	return r
}

// Site returns the site with id, or nil.
func (r *Registry) Site(id string) *SiteState { return r.sites[id] }

// Len returns the number of sites ever declared.
func (r *Registry) Len() int { return len(r.sites) }

// Sites returns every site, ordered by id.
func (r *Registry) Sites() []SiteState {
	out := make([]SiteState, 0, len(r.sites))
	for _, s := range r.sites {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// checkDeclare checks that signer may declare site: a party only the sites
// it controls, and not one that another party controls in the registry;
// the mediator any site of a party.
func (r *Registry) checkDeclare(signer *MemberState, site *Site, parties func(string) bool) error {
	if !parties(site.Controller) {
		return Errorf(EINVALID, "Site %s: controller %q is not a party in the charter.", site.ID, site.Controller)
	}
	if signer.Role == RoleMediator {
		return nil
	}
	if site.Controller != signer.ID {
		return Errorf(EFORBIDDEN, "Member %q may declare only the sites it controls; site %s names %q as controller.", signer.ID, site.ID, site.Controller)
	}
	if old := r.sites[site.ID]; old != nil && old.Controller != signer.ID {
		return Errorf(EFORBIDDEN, "Site %s is registered as controlled by %q; %q cannot redeclare it.", site.ID, old.Controller, signer.ID)
	}
	return nil
}

func (r *Registry) checkRetire(signer *MemberState, b *SiteRetire) error {
	s := r.sites[b.Site]
	switch {
	case s == nil:
		return Errorf(ENOTFOUND, "Site %s is not in the registry.", b.Site)
	case s.Status == SiteRetired:
		return Errorf(ECONFLICT, "Site %s is already retired.", b.Site)
	case signer.Role != RoleMediator && signer.ID != s.Controller:
		return Errorf(EFORBIDDEN, "Only %q, which controls site %s, or the mediator may retire it.", s.Controller, b.Site)
	}
	return nil
}

func (r *Registry) checkDispute(signer *MemberState, b *SiteDispute) error {
	s := r.sites[b.Site]
	switch {
	case s == nil:
		return Errorf(ENOTFOUND, "Site %s is not in the registry.", b.Site)
	case s.Status == SiteRetired:
		return Errorf(ECONFLICT, "Site %s is retired; there is nothing to dispute.", b.Site)
	case signer.ID == s.Controller:
		return Errorf(EFORBIDDEN, "Member %q controls site %s; it cannot dispute its own declaration (declare it again instead).", signer.ID, b.Site)
	}
	return nil
}

// declare records a site, new or updated, and returns the event.
func (r *Registry) declare(site Site, signer string, t time.Time, index uint64, stmt string, kind Kind) (*SiteState, SiteEvent) {
	ev := SiteEvent{Site: site.ID, Index: index, Statement: stmt, Kind: kind, Signer: signer, Time: t.UTC()}
	hash := site.Hash()
	old := r.sites[site.ID]
	switch {
	case old == nil:
		ev.Summary = "declared"
		r.sites[site.ID] = &SiteState{Site: site, Status: SiteDeclared, Hash: hash, DeclaredBy: signer, Since: t.UTC(), DeclaredAt: index, UpdatedAt: index}
	case old.Hash == hash && old.Status != SiteRetired:
		ev.Summary = "declared again, unchanged"
		old.UpdatedAt = index
	default:
		ev.Summary = "updated: " + changedFields(&old.Site, &site)
		if old.Status == SiteRetired {
			ev.Summary = "declared again after retirement"
			old.Since, old.RetiredSince, old.Status = t.UTC(), nil, SiteDeclared
		}
		old.Site, old.Hash, old.UpdatedAt = site, hash, index
	}
	return r.sites[site.ID], ev
}

func changedFields(a, b *Site) string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(a.Name != b.Name, "name")
	add(a.Category != b.Category, "category")
	ga, _ := a.Geometry.MarshalJSON()
	gb, _ := b.Geometry.MarshalJSON()
	add(string(ga) != string(gb), "geometry")
	add(a.Controller != b.Controller, "controller")
	add(a.Operator != b.Operator, "operator")
	add(a.Source != b.Source || a.SourceRow != b.SourceRow, "source")
	if len(out) == 0 {
		return "attributes"
	}
	s := out[0]
	for _, f := range out[1:] {
		s += ", " + f
	}
	return s
}

func (r *Registry) retire(b *SiteRetire, t time.Time) *SiteState {
	s := r.sites[b.Site]
	at := t.UTC()
	s.Status, s.RetiredSince = SiteRetired, &at
	return s
}

func (r *Registry) dispute(b *SiteDispute) *SiteState {
	s := r.sites[b.Site]
	s.Status = SiteDisputed
	return s
}
