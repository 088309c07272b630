package truce

import (
	"context"
	"math"
	"slices"
)

// RolePublic is the role of a reader without a token. No member has it.
const RolePublic Role = "public"

// Reader is who reads: a member that proved itself with a token, or the
// public.
type Reader struct {
	Member string `json:"member,omitempty"`
	Role   Role   `json:"role"`
	// Key is the id of the key whose token proved the reader, if a token
	// did: what a webhook registered with the token reads as follows that
	// key (see [Webhook]). It is not shown to clients.
	Key string `json:"-"`
}

// Public is the reader without a token.
var Public = Reader{Role: RolePublic}

// ReaderOf returns the reader that member m is.
func ReaderOf(m *MemberState) Reader { return Reader{Member: m.ID, Role: m.Role} }

// Full reports whether r reads everything shared with members: parties,
// the mediator, monitors and the operator do; sources and the public do
// not.
func (r Reader) Full() bool {
	switch r.Role {
	case RoleParty, RoleMediator, RoleMonitor, RoleOperator:
		return true
	}
	return false
}

// PublicKind reports whether statements of kind are public: the charter
// and keys, the agreements and the state roots. The others (the registry's
// statements, reports, retractions, responses, determinations, bulletins
// and their acknowledgements) are shared with members only, and enter the
// public log as commitments: the public reads the registry and incidents
// through the API, coarsened and without restricted fields, as the
// publication policy says.
func PublicKind(k Kind) bool {
	switch k {
	case KindCharter, KindKeyAdd, KindKeyRevoke, KindAgreementPropose, KindAgreementSign, KindStateRoot:
		return true
	}
	return false
}

// SeesStatement reports whether r may read a statement of kind by signer:
// a public one, anything if r reads in full, and a source its own.
func (r Reader) SeesStatement(kind Kind, signer string) bool {
	return PublicKind(kind) || r.Full() || r.Member != "" && r.Member == signer
}

// Policy is what the public may see under every agreement together: the
// strictest publication policy of their latest versions.
type Policy struct {
	// Incidents is none, determined or all.
	Incidents     string
	CoarsenMetres float64
	Restricted    []string // site fields, sorted
}

// PublicationPolicy returns the strictest of the publication policies of
// the latest version of each agreement. Without agreements nothing is
// published.
func (t *Terms) PublicationPolicy() Policy {
	rank := map[string]int{"none": 0, "determined": 1, "all": 2}
	p := Policy{Incidents: "all"}
	ids := t.Agreements()
	if len(ids) == 0 {
		return Policy{Incidents: "none"}
	}
	for _, id := range ids {
		vs := t.Versions(id)
		pub := vs[len(vs)-1].Agreement.Publication
		if rank[pub.Incidents] < rank[p.Incidents] {
			p.Incidents = pub.Incidents
		}
		p.CoarsenMetres = max(p.CoarsenMetres, pub.CoarsenMetres)
		p.Restricted = append(p.Restricted, pub.RestrictedSiteFields...)
	}
	slices.Sort(p.Restricted)
	p.Restricted = slices.Compact(p.Restricted)
	return p
}

// Shows reports whether the policy lets the public see inc.
func (p Policy) Shows(inc *Incident) bool {
	switch p.Incidents {
	case "all":
		return true
	case "determined":
		return inc.Published()
	}
	return false
}

// metresPerDegree is the length of a degree of latitude on the sphere
// geo measures on.
const metresPerDegree = 6371008.8 * math.Pi / 180

// Coarsen returns the point rounded to the centre of its cell in a grid of
// cells metres wide (at the equator; cells keep their width in degrees of
// longitude at every latitude, so that a cell's centre does not depend on
// the point), with the radius widened to cover the cell.
func Coarsen(w Where, metres float64) Where {
	if metres <= 0 {
		return w
	}
	step := metres / metresPerDegree
	snap := func(v, lo, hi float64) float64 {
		return min(hi, max(lo, (math.Floor(v/step)+0.5)*step))
	}
	w.Lat, w.Lon = round6(snap(w.Lat, -90, 90)), round6(snap(w.Lon, -180, 180))
	w.RadiusMetres = max(w.RadiusMetres, math.Ceil(metres*math.Sqrt2/2))
	w.Place, w.Admin = "", nil
	return w
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// PublicView returns what the public sees of inc under the policy: the
// place coarsened, distances rounded up to the grid, reports without
// their statements or signers, no findings (whose words give distances),
// no responses, and the agreed determination with the determinations that
// make it (each of whose determiners agreed to publish it), not the
// others.
func (p Policy) PublicView(inc *Incident) Incident {
	c := *inc
	c.Where = Coarsen(inc.Where, p.CoarsenMetres)
	c.Reports = make([]IncidentReport, len(inc.Reports))
	for i, r := range inc.Reports {
		c.Reports[i] = IncidentReport{SourceKind: r.SourceKind, Time: r.Time, Retracted: r.Retracted}
	}
	a := inc.Assessment
	a.Findings = []string{}
	a.Sites = make([]SiteFinding, len(inc.Assessment.Sites))
	for i, f := range inc.Assessment.Sites {
		if p.CoarsenMetres > 0 {
			f.Metres = math.Ceil(f.Metres/p.CoarsenMetres) * p.CoarsenMetres
		}
		a.Sites[i] = f
	}
	c.Assessment = a
	c.Responses = []IncidentResponse{}
	c.Determinations = []IncidentDetermination{}
	if d := inc.Determination; d != nil && d.Publish {
		for _, x := range inc.Determinations {
			if !x.Superseded && x.Finding == d.Finding && x.Party == d.Party && slices.Contains(d.Determiners, x.Signer) {
				c.Determinations = append(c.Determinations, x)
			}
		}
	}
	return c
}

type readerKey struct{}

// WithReader returns ctx carrying r, for the Ledger's read methods.
func WithReader(ctx context.Context, r Reader) context.Context {
	return context.WithValue(ctx, readerKey{}, r)
}

// ReaderFrom returns the reader ctx carries, or Public: whoever did not
// prove otherwise reads as the public.
func ReaderFrom(ctx context.Context) Reader {
	if r, ok := ctx.Value(readerKey{}).(Reader); ok {
		return r
	}
	return Public
}

// PublicSite returns what the public sees of a site under the policy: its
// coordinates coarsened, the restricted fields and the hash (which would
// confirm a guess of them) removed.
func (p Policy) PublicSite(site SiteState) SiteState {
	site.Hash = ""
	for _, f := range p.Restricted {
		switch f {
		case "operator":
			site.Operator = ""
		case "attributes":
			site.Attributes = nil
		case "source_row":
			site.SourceRow = ""
		case "controller":
			site.Controller = ""
		}
	}
	site.Geometry = CoarsenGeometry(site.Geometry, p.CoarsenMetres)
	return site
}

// CoarsenGeometry returns g with every position rounded as Coarsen rounds
// a point.
func CoarsenGeometry(g Geometry, metres float64) Geometry {
	if metres <= 0 {
		return g
	}
	snap := func(pos Position) Position {
		w := Coarsen(Where{Lat: pos[1], Lon: pos[0]}, metres)
		return Position{w.Lon, w.Lat}
	}
	c := Geometry{Type: g.Type, Point: snap(g.Point)}
	for _, line := range g.Lines {
		out := make([]Position, len(line))
		for i, pos := range line {
			out[i] = snap(pos)
		}
		c.Lines = append(c.Lines, out)
	}
	for _, poly := range g.Polygons {
		var rings [][]Position
		for _, ring := range poly {
			out := make([]Position, len(ring))
			for i, pos := range ring {
				out[i] = snap(pos)
			}
			rings = append(rings, out)
		}
		c.Polygons = append(c.Polygons, rings)
	}
	return c
}
