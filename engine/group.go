package engine

import (
	"slices"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// compatible reports whether reports of acts a and b may describe one
// event: the same act, two aerial acts, or either "other".
func compatible(a, b truce.Act) bool {
	return a == b || a == truce.ActOther || b == truce.ActOther || aerial(a) && aerial(b)
}

func aerial(a truce.Act) bool {
	return a == truce.ActDroneStrike || a == truce.ActMissileStrike || a == truce.ActAirStrike
}

// gap returns the time between the intervals [s1, e1] and [s2, e2]: zero
// if they overlap or touch.
func gap(s1, e1, s2, e2 time.Time) time.Duration {
	switch {
	case s2.After(e1):
		return s2.Sub(e1)
	case s1.After(e2):
		return s1.Sub(e2)
	}
	return 0
}

// corroboration returns the window and distance for a report that starts
// at t: those of the first agreement, by id, with a version that binds
// one of its parties at t, else the defaults.
func (e *Engine) corroboration(t time.Time) (time.Duration, float64) {
	for _, id := range e.terms.Agreements() {
		for _, party := range e.partiesOf(id) {
			if f, ok := e.terms.InForceOf(id, party, t); ok {
				c := f.Terms.Corroboration
				return time.Duration(c.Window), c.Metres
			}
		}
	}
	return DefaultWindow, DefaultMetres
}

// partiesOf returns the parties that any version of agreement id names,
// sorted.
func (e *Engine) partiesOf(id string) []string {
	var parties []string
	for n := 1; ; n++ {
		v := e.terms.Version(id, n)
		if v == nil {
			break
		}
		parties = append(parties, v.Agreement.Parties...)
	}
	return sortedSet(parties)
}

// candidate returns the incident that a report with facts f joins, or
// nil: the nearest of those within metres and window with a compatible
// act, then the one nearest in time, then the one with the smallest id.
func (e *Engine) candidate(f *facts, window time.Duration, metres float64) *incident {
	// An item is active for at least 2·pad, so asking at times that far
	// apart from start, and at end, meets every item active at some time
	// from start to end.
	var hits []geo.Hit[string]
	for t := f.start; ; {
		hits = append(hits, e.open.Near(f.where.Position(), metres, geo.Filter{At: t})...)
		if !t.Before(f.end) {
			break
		}
		if t = t.Add(2 * e.pad); t.After(f.end) {
			t = f.end
		}
	}
	var best *incident
	var bestMetres float64
	var bestGap time.Duration
	for _, h := range hits {
		x := e.incidents[h.ID]
		if x == best || !compatible(f.act, x.inc.Act) {
			continue
		}
		g := gap(f.start, f.end, x.inc.Start, x.inc.End)
		if g > window {
			continue
		}
		if best == nil || h.Metres < bestMetres ||
			h.Metres == bestMetres && (g < bestGap || g == bestGap && x.inc.ID < best.inc.ID) {
			best, bestMetres, bestGap = x, h.Metres, g
		}
	}
	return best
}

// item returns the grouping index's item for x: at its point, active from
// Start - pad until End + pad inclusive.
func (e *Engine) item(x *incident) geo.Item[string] {
	w := &x.inc.Where
	return geo.Item[string]{
		ID:       x.inc.ID,
		Geometry: truce.NewPoint(w.Lon, w.Lat),
		From:     x.inc.Start.Add(-e.pad),
		Until:    x.inc.End.Add(e.pad + time.Nanosecond),
	}
}

// reindex rebuilds the grouping index from the incidents that have a
// counting report.
func (e *Engine) reindex() error {
	items := make([]geo.Item[string], 0, len(e.incidents))
	for _, x := range e.incidents {
		if x.counts() {
			items = append(items, e.item(x))
		}
	}
	return e.open.Build(items)
}

// counts reports whether any report of x counts.
func (x *incident) counts() bool {
	return slices.ContainsFunc(x.inc.Reports, func(r truce.IncidentReport) bool { return !r.Retracted })
}

// counted is a report that counts, and what it said.
type counted struct {
	r *truce.IncidentReport
	f *facts
}

// derive sets x's Start, End, Where, Act and Accused from its counting
// reports, and returns those in log order. With none, it leaves them.
func (x *incident) derive() []counted {
	var c []counted
	for i := range x.inc.Reports {
		if !x.inc.Reports[i].Retracted {
			c = append(c, counted{&x.inc.Reports[i], x.facts[i]})
		}
	}
	if len(c) == 0 {
		return nil
	}
	best, start, end := c[0], c[0].f.start, c[0].f.end
	accused := make([][]string, 0, len(c))
	for _, k := range c {
		start, end = minTime(start, k.f.start), maxTime(end, k.f.end)
		if r, b := k.f.where.RadiusMetres, best.f.where.RadiusMetres; r < b || r == b && k.r.Index < best.r.Index {
			best = k
		}
		accused = append(accused, k.f.accused)
	}
	x.inc.Start, x.inc.End = start, end
	x.inc.Where = best.f.where
	x.inc.Where.Admin = slices.Clone(best.f.where.Admin)
	x.inc.Act = best.f.act
	x.inc.Accused = sortedSet(accused...)
	return c
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
