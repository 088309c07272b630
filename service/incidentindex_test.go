package service

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// TestIncidentIndexAgreesWithAScan checks the index's pages against a
// plain scan of every incident: same ids, same order, same cursor, for
// boxes, windows, filters and updates that move incidents between cells
// and hours.
func TestIncidentIndexAgreesWithAScan(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{'i', 'n', 'd', 'e', 'x'}))
	t0 := time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
	x := newIncidentIndex()
	all := map[string]*truce.Incident{}
	random := func(id string) *truce.Incident {
		start := t0.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour)))).Truncate(time.Minute)
		if r.IntN(10) == 0 {
			start = t0.Add(time.Duration(r.IntN(5)) * time.Hour) // several at the same time
		}
		inc := &truce.Incident{ID: id, Start: start, End: start.Add(time.Duration(r.IntN(50)) * time.Hour),
			Where:      truce.Where{Lon: 22 + r.Float64()*18, Lat: 44 + r.Float64()*8},
			Accused:    []string{[]string{"ua", "ru"}[r.IntN(2)]},
			Assessment: truce.Assessment{Grade: []truce.Grade{truce.GradeSingle, truce.GradeImpartial}[r.IntN(2)]},
			Status:     truce.StatusOpen}
		if r.IntN(20) == 0 {
			inc.Where.Lon = -180 + r.Float64()*360 // far away, even on the antimeridian
		}
		return inc
	}
	for i := range 3000 {
		id := strconv.Itoa(100000 + r.IntN(2500)) // some ids come again: an update
		inc := random(id)
		all[id] = inc
		x.put(inc)
		if i%7 == 0 { // update an incident in place, as a later report does
			inc := random(id)
			all[id] = inc
			x.put(inc)
		}
	}
	scan := func(q *truce.IncidentQuery, limit int) ([]string, bool) {
		f := newFilter(q, t0)
		var es []incidentEntry
		for _, inc := range all {
			es = append(es, entryOf(inc))
		}
		slices.SortFunc(es, func(a, b incidentEntry) int { return less(&a, &b) })
		var ids []string
		past := q.After == ""
		for i := range es {
			e := &es[i]
			if !past {
				past = e.id == q.After
				continue
			}
			if !f.selects(e) {
				continue
			}
			if len(ids) == limit {
				return ids, true
			}
			ids = append(ids, e.id)
		}
		return ids, false
	}
	for i := range 400 {
		q := truce.IncidentQuery{}
		if r.IntN(4) > 0 {
			from := t0.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
			to := from.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			q.From, q.To = &from, &to
		}
		if r.IntN(4) > 0 {
			size := 0.2 + r.Float64()*4
			w, s := 21+r.Float64()*18, 43+r.Float64()*8
			q.BBox = &[4]float64{w, s, w + size, s + size}
		}
		if i%5 == 0 {
			q.BBox = &[4]float64{-180, -90, 180, 90}
		}
		if r.IntN(3) == 0 {
			q.Party = "ru"
		}
		limit := 1 + r.IntN(60)
		for page := 0; page < 5; page++ {
			entries, more := x.query(&q, limit, t0)
			var got []string
			for _, e := range entries {
				got = append(got, e.id)
			}
			want, wantMore := scan(&q, limit)
			if !slices.Equal(got, want) || more != wantMore {
				t.Fatalf("query %d page %d (%+v, limit %d): %d ids, more %v; a scan finds %d, more %v", i, page, q, limit, len(got), more, len(want), wantMore)
			}
			if !more {
				break
			}
			q.After = got[len(got)-1]
		}
	}
}
