// Package daily computes and renders the daily report of a deployment: for
// one day, the incidents that began that day counted by party, by category
// and by grade (and by status, once incidents carry one), against the
// previous day and the agreement's window so far, with the determinations
// made that day.
//
// It is pure: [Compute] reads incidents as the JSON API shows them and a
// day, and nothing else, so that the server's page (GET /v1/daily) and
// "truce daily" give the same report. [Report.Markdown], [Report.HTML] and
// [Report.JSON] render it.
//
// # Counting
//
// An incident belongs to the day its start falls on, in UTC. It counts
// once for each party it accuses ("none" when it accuses nobody), once
// under the category of the nearest protected site within its reach
// ("none" when no site is within reach), and once under its grade. A
// determination is new on the day its statement claims.
package daily

import (
	"sort"
	"time"
)

// Incident is what the report reads of an incident: the fields of the
// API's incident document that it counts. Fields the server does not send
// yet stay empty.
type Incident struct {
	ID         string     `json:"id"`
	Start      time.Time  `json:"start"`
	Act        string     `json:"act"`
	Accused    []string   `json:"accused"`
	Status     string     `json:"status,omitempty"`
	Where      Where      `json:"where"`
	Assessment Assessment `json:"assessment"`
	// Determinations are the signed findings on the incident, in log order.
	Determinations []Determination `json:"determinations,omitempty"`
}

// Where is an incident's place.
type Where struct {
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Place string  `json:"place,omitempty"`
}

// Assessment is the part of the engine's assessment the report counts.
type Assessment struct {
	Grade string `json:"grade"`
	Sites []struct {
		Site     string `json:"site"`
		Name     string `json:"name"`
		Category string `json:"category"`
	} `json:"sites"`
}

// Determination is a monitor's or the mediator's signed finding.
type Determination struct {
	Statement string    `json:"statement"`
	Index     uint64    `json:"index"`
	Signer    string    `json:"signer"`
	Finding   string    `json:"finding"`
	Party     string    `json:"party,omitempty"`
	Clauses   []string  `json:"clauses,omitempty"`
	Publish   bool      `json:"publish,omitempty"`
	Text      string    `json:"text,omitempty"`
	Time      time.Time `json:"time"`
}

// Options say which day to report and where the window began.
type Options struct {
	// Date is the day reported, in UTC; only its date counts.
	Date time.Time
	// Title names the deployment or agreement. Optional.
	Title string
	// Agreement is the id of the agreement whose window is counted. Optional.
	Agreement string
	// WindowFrom is when the agreement's window began. Optional: without it,
	// the window counts every incident up to the end of the day.
	WindowFrom time.Time
}

// Report is a day's report.
type Report struct {
	Title     string `json:"title,omitempty"`
	Agreement string `json:"agreement,omitempty"`
	// Date and Previous are days, as YYYY-MM-DD.
	Date     string `json:"date"`
	Previous string `json:"previous"`
	// WindowFrom is when the window counted began, if known.
	WindowFrom *time.Time `json:"window_from,omitempty"`
	// Total counts every incident of the day, the previous day and the
	// window so far.
	Total Count `json:"total"`
	// ByParty, ByCategory, ByGrade and ByStatus break Total down. ByStatus
	// is empty while incidents carry no status.
	ByParty    []Row `json:"by_party"`
	ByCategory []Row `json:"by_category"`
	ByGrade    []Row `json:"by_grade"`
	ByStatus   []Row `json:"by_status,omitempty"`
	// Determinations are those made on the day, in log order.
	Determinations []NewDetermination `json:"determinations"`
	// Incidents are the day's incidents, in order of start.
	Incidents []Line `json:"incidents"`
}

// Count is a number of incidents on the day, the day before, and in the
// window up to the end of the day.
type Count struct {
	Day      int `json:"day"`
	Previous int `json:"previous"`
	Window   int `json:"window"`
}

// Row is one key's counts.
type Row struct {
	Key string `json:"key"`
	Count
}

// NewDetermination is a determination made on the day, with its incident.
type NewDetermination struct {
	Incident string `json:"incident"`
	Determination
}

// Line is one of the day's incidents.
type Line struct {
	ID      string    `json:"id"`
	Start   time.Time `json:"start"`
	Act     string    `json:"act"`
	Accused []string  `json:"accused"`
	Place   string    `json:"place,omitempty"`
	Grade   string    `json:"grade"`
	Status  string    `json:"status,omitempty"`
	Site    string    `json:"site,omitempty"`
}

// None is the key of incidents without an accused party or a site in reach.
const None = "none"

// Day returns the start of t's day in UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Compute returns the report of opt.Date over incs, which may hold
// incidents of any day: those outside the window, the day and the day
// before are ignored.
func Compute(incs []Incident, opt Options) *Report {
	day := Day(opt.Date)
	prev, next := day.AddDate(0, 0, -1), day.AddDate(0, 0, 1)
	r := &Report{Title: opt.Title, Agreement: opt.Agreement, Date: day.Format(time.DateOnly), Previous: prev.Format(time.DateOnly),
		Determinations: []NewDetermination{}, Incidents: []Line{}}
	if !opt.WindowFrom.IsZero() {
		from := opt.WindowFrom.UTC()
		r.WindowFrom = &from
	}
	rows := map[string]map[string]*Count{"party": {}, "category": {}, "grade": {}, "status": {}}
	for i := range incs {
		inc := &incs[i]
		for _, d := range inc.Determinations {
			if !d.Time.Before(day) && d.Time.Before(next) {
				r.Determinations = append(r.Determinations, NewDetermination{Incident: inc.ID, Determination: d})
			}
		}
		bump := func(c *Count) {
			switch {
			case !inc.Start.Before(day) && inc.Start.Before(next):
				c.Day++
			case !inc.Start.Before(prev) && inc.Start.Before(day):
				c.Previous++
			}
			if inc.Start.Before(next) && (r.WindowFrom == nil || !inc.Start.Before(*r.WindowFrom)) {
				c.Window++
			}
		}
		bump(&r.Total)
		for dim, keys := range keysOf(inc) {
			for _, k := range keys {
				c := rows[dim][k]
				if c == nil {
					c = &Count{}
					rows[dim][k] = c
				}
				bump(c)
			}
		}
		if !inc.Start.Before(day) && inc.Start.Before(next) {
			r.Incidents = append(r.Incidents, lineOf(inc))
		}
	}
	r.ByParty, r.ByCategory, r.ByGrade, r.ByStatus = sortedRows(rows["party"]), sortedRows(rows["category"]), sortedRows(rows["grade"]), sortedRows(rows["status"])
	sort.SliceStable(r.Determinations, func(i, j int) bool { return r.Determinations[i].Index < r.Determinations[j].Index })
	sort.SliceStable(r.Incidents, func(i, j int) bool {
		a, b := r.Incidents[i], r.Incidents[j]
		return a.Start.Before(b.Start) || a.Start.Equal(b.Start) && a.ID < b.ID
	})
	return r
}

// keysOf returns the keys an incident counts under in each dimension.
func keysOf(inc *Incident) map[string][]string {
	parties := inc.Accused
	if len(parties) == 0 {
		parties = []string{None}
	}
	category := None
	if len(inc.Assessment.Sites) > 0 {
		category = inc.Assessment.Sites[0].Category
	}
	keys := map[string][]string{"party": dedupe(parties), "category": {category}, "grade": {inc.Assessment.Grade}}
	if inc.Status != "" {
		keys["status"] = []string{inc.Status}
	}
	return keys
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func lineOf(inc *Incident) Line {
	l := Line{ID: inc.ID, Start: inc.Start.UTC(), Act: inc.Act, Accused: inc.Accused, Place: inc.Where.Place,
		Grade: inc.Assessment.Grade, Status: inc.Status}
	if l.Accused == nil {
		l.Accused = []string{}
	}
	if len(inc.Assessment.Sites) > 0 {
		l.Site = inc.Assessment.Sites[0].Name
	}
	return l
}

// sortedRows returns the rows with a count in the window, the day or the
// day before, most incidents in the window first, then by key.
func sortedRows(m map[string]*Count) []Row {
	out := []Row{}
	for k, c := range m {
		if c.Day+c.Previous+c.Window > 0 {
			out = append(out, Row{Key: k, Count: *c})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Window != out[j].Window {
			return out[i].Window > out[j].Window
		}
		return out[i].Key < out[j].Key
	})
	return out
}
