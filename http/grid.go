package http

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// Grid is the answer of GET /v1/incidents/grid: the incidents a query
// selects, counted per cell of a grid whose cells are about 64 pixels wide
// at the map's zoom, so that a map shows 100,000 incidents with a few
// hundred markers. An answer has at most 5,000 cells: for a zoom too fine
// for the area asked, Zoom is the coarser one used.
type Grid struct {
	// Zoom is the map zoom the cells were sized for; CellDegrees their side.
	Zoom        int     `json:"zoom"`
	CellDegrees float64 `json:"cell_deg"`
	// Total counts the incidents in every cell; Grades and Statuses count
	// them by grade and by status.
	Total    int            `json:"total"`
	Grades   map[string]int `json:"grades"`
	Statuses map[string]int `json:"statuses"`
	Cells    []GridCell     `json:"cells"`
}

// GridCell is one cell's incidents: their count, the mean of their
// positions, their extent (west, south, east, north), and their grades.
// A cell of one incident names it.
type GridCell struct {
	Lat      float64        `json:"lat"`
	Lon      float64        `json:"lon"`
	Count    int            `json:"count"`
	BBox     [4]float64     `json:"bbox"`
	Grades   map[string]int `json:"grades"`
	Statuses map[string]int `json:"statuses"`
	// Incident, Start and Act describe the cell's only incident.
	Incident string `json:"incident,omitempty"`
	Start    string `json:"start,omitempty"`
	Act      string `json:"act,omitempty"`
}

// maxGridZoom is the largest zoom a grid is sized for; at 18 a cell is
// about 35 m wide at the equator.
const maxGridZoom = 18

func (s *Server) handleIncidentGrid(w http.ResponseWriter, r *http.Request) {
	// The grid takes several statuses; it selects by them itself.
	query := r.URL.Query()
	query.Del("status")
	without := r.Clone(r.Context())
	without.URL.RawQuery = query.Encode()
	q, err := incidentQuery(without)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	zoom, err := queryUint(r, "zoom", 5, maxGridZoom)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var cats []truce.Category
	for _, c := range listParam(r, "category") {
		cats = append(cats, truce.Category(c))
	}
	statuses := map[truce.IncidentStatus]bool{}
	for _, st := range listParam(r, "status") {
		if !slices.Contains(truce.IncidentStatuses(), truce.IncidentStatus(st)) {
			writeError(w, r, s.Logger, truce.Errorf(truce.EINVALID, "Query parameter status %q is not one of %v.", st, truce.IncidentStatuses()))
			return
		}
		statuses[truce.IncidentStatus(st)] = true
	}
	now := s.now()
	var points []gridPoint
	err = s.eachIncident(r, q, func(inc *truce.Incident) error {
		status := inc.StatusAt(now)
		if (len(cats) == 0 || reachesCategory(inc, cats)) && (len(statuses) == 0 || statuses[status]) {
			points = append(points, gridPoint{inc.ID, inc.Where.Lat, inc.Where.Lon, string(inc.Assessment.Grade),
				string(status), inc.Start.Format(time.RFC3339), string(inc.Act)})
		}
		return nil
	})
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	// A zoom too fine for the area asked (or for no area) is made coarser
	// until the answer fits a map.
	for z := int(zoom); ; z-- {
		b := newGridBuilder(z)
		for i := range points {
			b.add(&points[i])
		}
		if len(b.cells) <= maxGridCells || z == 0 {
			writeJSON(w, http.StatusOK, b.grid())
			return
		}
	}
}

// listParam returns a repeatable, comma-separated query parameter's values.
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// now is the server's clock: an incident awaiting a reply is overdue once
// its deadline has passed.
func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// maxGridCells bounds the cells of one answer.
const maxGridCells = 5000

// gridPoint is what the grid keeps of an incident.
type gridPoint struct {
	id       string
	lat, lon float64
	grade    string
	status   string
	start    string
	act      string
}

// reachesCategory reports whether a protected site within reach of inc has
// a category one of cats covers.
func reachesCategory(inc *truce.Incident, cats []truce.Category) bool {
	for _, f := range inc.Assessment.Sites {
		for _, c := range cats {
			if c.Covers(f.Category) {
				return true
			}
		}
	}
	return false
}

// gridBuilder counts incidents per cell.
type gridBuilder struct {
	g     Grid
	cells map[[2]int]*gridAcc
}

type gridAcc struct {
	GridCell
	sumLat, sumLon float64
}

func newGridBuilder(zoom int) *gridBuilder {
	return &gridBuilder{
		g:     Grid{Zoom: zoom, CellDegrees: 360 / math.Exp2(float64(zoom)) / 4, Grades: map[string]int{}, Statuses: map[string]int{}},
		cells: map[[2]int]*gridAcc{},
	}
}

func (b *gridBuilder) add(p *gridPoint) {
	lat, lon := p.lat, p.lon
	key := [2]int{int(math.Floor(lat / b.g.CellDegrees)), int(math.Floor(lon / b.g.CellDegrees))}
	c := b.cells[key]
	if c == nil {
		c = &gridAcc{GridCell: GridCell{BBox: [4]float64{lon, lat, lon, lat}, Grades: map[string]int{}, Statuses: map[string]int{},
			Incident: p.id, Start: p.start, Act: p.act}}
		b.cells[key] = c
	}
	c.Count++
	c.sumLat += lat
	c.sumLon += lon
	c.BBox = [4]float64{math.Min(c.BBox[0], lon), math.Min(c.BBox[1], lat), math.Max(c.BBox[2], lon), math.Max(c.BBox[3], lat)}
	c.Grades[p.grade]++
	b.g.Grades[p.grade]++
	if p.status != "" {
		c.Statuses[p.status]++
		b.g.Statuses[p.status]++
	}
	b.g.Total++
}

// grid returns the cells ordered by position, so that equal queries give
// equal answers.
func (b *gridBuilder) grid() Grid {
	keys := make([][2]int, 0, len(b.cells))
	for k := range b.cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	g := b.g
	g.Cells = make([]GridCell, 0, len(keys))
	for _, k := range keys {
		c := b.cells[k]
		c.Lat, c.Lon = round6(c.sumLat/float64(c.Count)), round6(c.sumLon/float64(c.Count))
		if c.Count > 1 {
			c.Incident, c.Start, c.Act = "", "", ""
		}
		g.Cells = append(g.Cells, c.GridCell)
	}
	return g
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
