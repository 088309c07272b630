package engine

import (
	"cmp"
	"math"
	"slices"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// findSites lists the sites within reach of inc and those its counting
// reports name.
func (e *Engine) findSites(rd *reading, inc *truce.Incident, counting []counted) {
	pl := e.planFor(rd.apps)
	rd.plan = pl
	p, r := inc.Where.Position(), inc.Where.RadiusMetres
	rd.search = r + pl.maxBuffer
	var sites []truce.SiteFinding
	for _, q := range pl.queries(r) {
		for _, h := range e.sites.Near(p, q.radius, geo.Filter{Categories: q.cats, At: inc.Start}) {
			if slices.ContainsFunc(sites, func(f truce.SiteFinding) bool { return f.Site == h.ID }) {
				continue // found with a parent category
			}
			if f, ok := e.siteFinding(pl, inc, h.ID, h.Metres); ok && len(f.Clauses) > 0 {
				sites = append(sites, f)
			}
		}
	}
	var named [][]string
	for _, c := range counting {
		named = append(named, c.f.targets)
	}
	for _, id := range sortedSet(named...) {
		if i := slices.IndexFunc(sites, func(f truce.SiteFinding) bool { return f.Site == id }); i >= 0 {
			sites[i].Named = true
			continue
		}
		if s := e.registry.Site(id); s != nil {
			if f, ok := e.siteFinding(pl, inc, id, geo.Distance(p, s.Geometry)); ok {
				f.Named = true
				sites = append(sites, f)
			}
		}
	}
	slices.SortFunc(sites, func(a, b truce.SiteFinding) int {
		return cmp.Or(cmp.Compare(a.Metres, b.Metres), cmp.Compare(a.Site, b.Site))
	})
	if len(sites) > MaxSites {
		rd.more, sites = len(sites)-MaxSites, sites[:MaxSites]
	}
	rd.a.Sites = append(rd.a.Sites, sites...)
}

// siteFinding returns the finding for the site with id at metres from
// inc's point; ok is false if the registry does not hold the site or the
// distance is undefined. Its clauses are set only if the site is within
// reach, active at inc's start and protected by an applicable clause.
func (e *Engine) siteFinding(pl *plan, inc *truce.Incident, id string, metres float64) (truce.SiteFinding, bool) {
	s := e.registry.Site(id)
	if s == nil || math.IsNaN(metres) {
		return truce.SiteFinding{}, false
	}
	ru := pl.rule(s.Category)
	f := truce.SiteFinding{
		Site: id, Name: s.Name, Category: s.Category, Controller: s.Controller,
		Metres: math.Round(metres), Reach: inc.Where.RadiusMetres + ru.buffer,
		Clauses: []string{},
	}
	if metres <= f.Reach && s.ActiveAt(inc.Start) {
		f.Clauses = append(f.Clauses, ru.clauses...)
	}
	return f, true
}

// plan is how to find the sites that a set of applicable clauses
// protect. Each group holds the categories of the taxonomy that the
// clauses protect and give one buffer; a query for a group's categories
// within R plus its buffer finds only sites within reach, because a
// category's buffer and protection pass to the categories under it. The
// engine reuses a plan for the same clauses (the same *truce.Clause,
// which never change once proposed).
type plan struct {
	apps      []applicable
	groups    []group // by buffer
	maxBuffer float64
	rules     map[truce.Category]*rule
	joins     map[uint64][][]truce.Category // see queries
}

type group struct {
	buffer float64
	cats   []truce.Category
}

// rule is what the applicable clauses say of one category.
type rule struct {
	buffer  float64
	clauses []string // sorted "party:clause" pairs that protect it
	inForce string   // the words of clausesInForce, once written
}

// query is one question to the site index.
type query struct {
	radius float64
	cats   []truce.Category
}

// queries returns the questions to ask the site index for an incident
// with uncertainty r: one per group, except that a group whose radius is
// at least half a wider one's joins it. That asks fewer questions at the
// cost of reading, in the registry, the few sites of the narrower groups
// that lie beyond their reach (siteFinding leaves them without clauses).
// The plan keeps the categories of each way of joining the groups.
func (pl *plan) queries(r float64) []query {
	var joined uint64 // bit i: group i joins a wider one
	wide := math.Inf(1)
	for i := len(pl.groups) - 1; i >= 0; i-- {
		if radius := r + pl.groups[i].buffer; i < 64 && 2*radius >= wide {
			joined |= 1 << i
		} else {
			wide = radius
		}
	}
	cats, ok := pl.joins[joined]
	if !ok {
		for i := len(pl.groups) - 1; i >= 0; i-- {
			if n := len(cats); n > 0 && joined&(1<<i) != 0 {
				cats[n-1] = tops(append(slices.Clip(cats[n-1]), pl.groups[i].cats...))
				continue
			}
			cats = append(cats, pl.groups[i].cats)
		}
		pl.joins[joined] = cats
	}
	out := make([]query, 0, len(cats))
	for i := len(pl.groups) - 1; i >= 0; i-- {
		if joined&(1<<i) == 0 {
			out = append(out, query{r + pl.groups[i].buffer, cats[len(out)]})
		}
	}
	return out
}

// tops returns the categories of cats that no other of them covers: the
// same filter for the index, which tests fewer.
func tops(cats []truce.Category) []truce.Category {
	var out []truce.Category
	for _, c := range cats {
		if !slices.ContainsFunc(cats, func(o truce.Category) bool { return o != c && o.Covers(c) }) {
			out = append(out, c)
		}
	}
	return out
}

// planFor returns the plan for apps, from the engine's few recent plans
// if it can.
func (e *Engine) planFor(apps []applicable) *plan {
	for _, pl := range e.plans {
		if slices.Equal(pl.apps, apps) {
			return pl
		}
	}
	pl := &plan{apps: slices.Clone(apps), rules: map[truce.Category]*rule{}, joins: map[uint64][][]truce.Category{}}
	for _, ap := range apps {
		for _, b := range ap.clause.Buffers {
			pl.maxBuffer = max(pl.maxBuffer, b.Metres)
		}
	}
	byBuffer := map[float64][]truce.Category{}
	for _, c := range truce.Categories() {
		if ru := pl.rule(c.ID); len(ru.clauses) > 0 {
			byBuffer[ru.buffer] = append(byBuffer[ru.buffer], c.ID)
		}
	}
	for b, cats := range byBuffer {
		pl.groups = append(pl.groups, group{b, tops(cats)})
	}
	slices.SortFunc(pl.groups, func(a, b group) int { return cmp.Compare(a.buffer, b.buffer) })
	if len(e.plans) == maxPlans {
		e.plans = e.plans[1:]
	}
	e.plans = append(e.plans, pl)
	return pl
}

// maxPlans is how many plans the engine keeps.
const maxPlans = 8

// rule returns what the plan's clauses say of category c.
func (pl *plan) rule(c truce.Category) *rule {
	if ru := pl.rules[c]; ru != nil {
		return ru
	}
	ru := &rule{buffer: bufferOf(pl.apps, c)}
	for _, ap := range protecting(pl.apps, c) {
		ru.clauses = append(ru.clauses, ap.party+":"+ap.clause.ID)
	}
	ru.clauses = sortedSet(ru.clauses)
	pl.rules[c] = ru
	return ru
}

// bufferOf returns the largest buffer that an applicable clause gives to
// category c, or 0.
func bufferOf(apps []applicable, c truce.Category) float64 {
	m := 0.0
	for _, ap := range apps {
		for _, b := range ap.clause.Buffers {
			if b.Category.Covers(c) {
				m = max(m, b.Metres)
			}
		}
	}
	return m
}

// protecting returns the applicable clauses that protect category c.
func protecting(apps []applicable, c truce.Category) []applicable {
	var out []applicable
	for _, ap := range apps {
		if slices.ContainsFunc(ap.clause.Protects, func(p truce.Category) bool { return p.Covers(c) }) {
			out = append(out, ap)
		}
	}
	return out
}
