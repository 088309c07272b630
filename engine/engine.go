package engine

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// The corroboration window and distance when no agreement binds anybody
// at a report's start.
const (
	DefaultWindow = 6 * time.Hour
	DefaultMetres = 5000.0
)

// MaxSites is how many sites an assessment lists at most.
const MaxSites = 50

// Engine holds the incidents derived from the reports applied so far. It
// is not safe for concurrent use.
type Engine struct {
	terms    *truce.Terms
	registry *truce.Registry
	sites    *geo.Index[string]

	incidents map[string]*incident
	byReport  map[string]*incident // by report statement id
	// open indexes the incidents that have a counting report, for
	// grouping; pad is how far their items reach beyond Start and End.
	open *geo.Index[string]
	pad  time.Duration
	sums digest
	// plans are the recent ways of finding sites (see planFor), and zones
	// the bounding boxes of clause zones (see inZone). A clause never
	// changes once proposed, so its address can key what is derived
	// from it.
	plans []*plan
	zones map[*truce.Clause][4]float64
	// members decides the roles of determiners and the charter's policy.
	members *truce.Authority
}

// incident is an incident and what the engine needs to derive it again.
type incident struct {
	inc truce.Incident
	// facts holds, parallel to inc.Reports, what each report said; nil for
	// a report of a restored incident that Recall has not supplied.
	facts []*facts
	// bucket is the digest bucket of inc.ID; dirty is set while its hash
	// is stale.
	bucket int
	dirty  bool
}

// facts is what the rules read from one report.
type facts struct {
	start, end time.Time
	where      truce.Where
	act        truce.Act
	accused    []string // sorted
	targets    []string
}

// New returns an engine without incidents that reads terms, registry and
// sites, the index of the registry's sites (geo.SiteItem of each), and
// never writes them.
func New(terms *truce.Terms, registry *truce.Registry, sites *geo.Index[string]) *Engine {
	return &Engine{
		terms: terms, registry: registry, sites: sites,
		incidents: map[string]*incident{},
		byReport:  map[string]*incident{},
		open:      geo.NewIndex[string](),
		pad:       DefaultWindow,
		sums:      newDigest(),
		zones:     map[*truce.Clause][4]float64{},
	}
}

// Restore returns an engine holding incidents as persisted, e.g. by a
// store, for a restart. It normalises them as the engine writes them
// (times in UTC, reports in log order, no nil slices). Before a report
// joins a restored incident or one of its reports is retracted, the
// engine needs the report statements of its counting reports: see
// [Engine.Recall].
//
// Returns EINVALID if an incident has no reports, its id is not that of
// its first report, an id or a report appears twice, or it holds a number
// that JSON cannot write (NaN or infinite).
func Restore(terms *truce.Terms, registry *truce.Registry, sites *geo.Index[string], incidents []truce.Incident) (*Engine, error) {
	e := New(terms, registry, sites)
	for i := range incidents {
		x := &incident{inc: clone(&incidents[i])}
		sort.SliceStable(x.inc.Reports, func(a, b int) bool { return x.inc.Reports[a].Index < x.inc.Reports[b].Index })
		if err := e.restoreOne(x); err != nil {
			return nil, err
		}
	}
	if err := e.reindex(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Engine) restoreOne(x *incident) error {
	id := x.inc.ID
	switch {
	case len(x.inc.Reports) == 0:
		return truce.Errorf(truce.EINVALID, "Incident %s has no reports.", id)
	case x.inc.Reports[0].Statement != id:
		return truce.Errorf(truce.EINVALID, "Incident %s: its id must be that of its first report, %s.", id, x.inc.Reports[0].Statement)
	case e.incidents[id] != nil:
		return truce.Errorf(truce.EINVALID, "Incident %s appears twice.", id)
	case !finite(&x.inc):
		return truce.Errorf(truce.EINVALID, "Incident %s holds a number that is NaN or infinite.", id)
	}
	for _, r := range x.inc.Reports {
		if e.byReport[r.Statement] != nil {
			return truce.Errorf(truce.EINVALID, "Report %s appears twice among the incidents.", r.Statement)
		}
		e.byReport[r.Statement] = x
	}
	x.facts = make([]*facts, len(x.inc.Reports))
	e.incidents[id] = x
	e.sums.add(x)
	return nil
}

// Recall gives a restored engine the report statement st, which one of
// its incidents holds, so that the incident can be derived again. Recall
// changes no incident.
//
// Returns EINVALID if st is not a report, ENOTFOUND if no incident holds
// it, and ECONFLICT if its signer or time differ from the incident's
// record of it.
func (e *Engine) Recall(st *truce.Statement) error {
	b, ok := st.Body.(*truce.Report)
	if !ok {
		return truce.Errorf(truce.EINVALID, "Statement %s is %s, not a report.", st.ID, st.Payload.Kind)
	}
	x := e.byReport[st.ID]
	if x == nil {
		return truce.Errorf(truce.ENOTFOUND, "No incident holds report %s.", st.ID)
	}
	i := x.report(st.ID)
	r := &x.inc.Reports[i]
	if r.Signer != st.Payload.Signer || !r.Time.Equal(st.Payload.Time) {
		return truce.Errorf(truce.ECONFLICT, "Report %s was recorded as by %s at %s, not by %s at %s.", st.ID, r.Signer, r.Time.Format(time.RFC3339), st.Payload.Signer, st.Payload.Time.UTC().Format(time.RFC3339))
	}
	x.facts[i] = newFacts(b)
	return nil
}

// Apply applies st, a report or report.retract statement that
// truce.State.Check accepted, at log index index, and returns copies of
// the incidents it created or changed, ordered by id. For a statement of
// any other kind it does nothing and returns nil, nil.
//
// Returns EINVALID for a report whose place is not a valid position
// (which truce.Report.Validate refuses), ECONFLICT for a report already
// applied or a report retracted twice, ENOTFOUND for the retraction of a
// report the engine does not hold, EFORBIDDEN for a retraction by another
// signer than the reporter, and an uncoded error if a restored incident it
// must derive again lacks a report statement (see [Engine.Recall]). On
// error nothing changes.
func (e *Engine) Apply(st *truce.Statement, index uint64) ([]truce.Incident, error) {
	var x *incident
	var err error
	switch b := st.Body.(type) {
	case *truce.Report:
		x, err = e.applyReport(st, b, index)
	case *truce.ReportRetract:
		x, err = e.applyRetract(st, b, index)
	case *truce.Response:
		x, err = e.applyResponse(st, b, index)
	case *truce.Determination:
		x, err = e.applyDetermination(st, b, index)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []truce.Incident{clone(&x.inc)}, nil
}

func (e *Engine) applyReport(st *truce.Statement, b *truce.Report, index uint64) (*incident, error) {
	if x := e.byReport[st.ID]; x != nil {
		return nil, truce.Errorf(truce.ECONFLICT, "Report %s is already in incident %s.", st.ID, x.inc.ID)
	}
	f := newFacts(b)
	if w := &f.where; !validPlace(w) {
		return nil, truce.Errorf(truce.EINVALID, "Report %s: where is not a valid place (lat %v, lon %v, radius %v).", st.ID, w.Lat, w.Lon, w.RadiusMetres)
	}
	window, metres := e.corroboration(f.start)
	if window > e.pad {
		e.pad = window
		if err := e.reindex(); err != nil {
			return nil, err
		}
	}
	x := e.candidate(f, window, metres)
	if x == nil {
		x = &incident{inc: truce.Incident{ID: st.ID}}
	} else if err := x.complete(); err != nil {
		return nil, err
	}
	x.inc.Reports = append(x.inc.Reports, truce.IncidentReport{
		Statement: st.ID, Index: index, Signer: st.Payload.Signer,
		SourceKind: b.SourceKind, Time: st.Payload.Time.UTC(),
	})
	x.facts = append(x.facts, f)
	if e.incidents[x.inc.ID] == nil {
		e.incidents[x.inc.ID] = x
		e.sums.add(x)
	}
	e.byReport[st.ID] = x
	return x, e.update(x, index)
}

func (e *Engine) applyRetract(st *truce.Statement, b *truce.ReportRetract, index uint64) (*incident, error) {
	x := e.byReport[b.Report]
	if x == nil {
		return nil, truce.Errorf(truce.ENOTFOUND, "No incident holds report %s.", b.Report)
	}
	r := &x.inc.Reports[x.report(b.Report)]
	switch {
	case r.Retracted:
		return nil, truce.Errorf(truce.ECONFLICT, "Report %s is already retracted.", b.Report)
	case r.Signer != st.Payload.Signer:
		return nil, truce.Errorf(truce.EFORBIDDEN, "Report %s is by %q; %q cannot retract it.", b.Report, r.Signer, st.Payload.Signer)
	}
	r.Retracted = true
	if err := x.complete(); err != nil {
		r.Retracted = false
		return nil, err
	}
	return x, e.update(x, index)
}

// update derives x again after a change at log index index, assesses it,
// and brings the grouping index and the digest up to date.
func (e *Engine) update(x *incident, index uint64) error {
	counting := x.derive()
	x.inc.Assessment = e.assess(&x.inc, counting)
	x.inc.Status = status(&x.inc)
	x.inc.UpdatedAt = index
	e.sums.touch(x)
	if len(counting) == 0 {
		e.open.Remove(x.inc.ID)
		return nil
	}
	return e.open.Update(e.item(x))
}

// report returns the position in x's reports of the report with id.
func (x *incident) report(id string) int {
	return slices.IndexFunc(x.inc.Reports, func(r truce.IncidentReport) bool { return r.Statement == id })
}

// complete returns an error unless the engine knows what every counting
// report of x said.
func (x *incident) complete() error {
	for i, r := range x.inc.Reports {
		if !r.Retracted && x.facts[i] == nil {
			return fmt.Errorf("engine: incident %s was restored without report %s: Recall it before applying statements that touch the incident", x.inc.ID, r.Statement)
		}
	}
	return nil
}

func newFacts(b *truce.Report) *facts {
	w := b.Where
	w.Admin = slices.Clone(w.Admin)
	return &facts{
		start: b.When.Start.UTC(), end: b.When.End.UTC(),
		where: w, act: b.Act,
		accused: sortedSet(b.Accused), targets: slices.Clone(b.Target.Sites),
	}
}

// Incident returns a copy of the incident with id.
func (e *Engine) Incident(id string) (truce.Incident, bool) {
	x := e.incidents[id]
	if x == nil {
		return truce.Incident{}, false
	}
	return clone(&x.inc), true
}

// IncidentOf returns the id of the incident that holds the report with
// statement id report.
func (e *Engine) IncidentOf(report string) (string, bool) {
	if x := e.byReport[report]; x != nil {
		return x.inc.ID, true
	}
	return "", false
}

// Incidents returns copies of all incidents, ordered by id.
func (e *Engine) Incidents() []truce.Incident {
	ids := make([]string, 0, len(e.incidents))
	for id := range e.incidents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]truce.Incident, len(ids))
	for i, id := range ids {
		out[i] = clone(&e.incidents[id].inc)
	}
	return out
}

// Len returns the number of incidents.
func (e *Engine) Len() int { return len(e.incidents) }

// sortedSet returns the distinct strings of the lists, sorted; never nil.
func sortedSet(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// validPlace reports whether w is a position in range with a finite,
// non-negative radius.
func validPlace(w *truce.Where) bool {
	return w.Lat >= -90 && w.Lat <= 90 && w.Lon >= -180 && w.Lon <= 180 &&
		w.RadiusMetres >= 0 && !math.IsInf(w.RadiusMetres, 1)
}

// finite reports whether every number of inc is finite, as JSON needs.
func finite(inc *truce.Incident) bool {
	nums := []float64{inc.Where.Lat, inc.Where.Lon, inc.Where.RadiusMetres}
	for _, f := range inc.Assessment.Sites {
		nums = append(nums, f.Metres, f.Reach)
	}
	return !slices.ContainsFunc(nums, func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) })
}
