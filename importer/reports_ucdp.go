package importer

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/truce-project/truce"
)

// ucdpPlace is the precision and radius of a UCDP where_prec code.
type ucdpPlace struct {
	precision string
	radius    float64
	skip      string
}

// ucdpPlaces follows the where_prec codes of the UCDP GED codebook; the
// table is in the ReadReports documentation.
var ucdpPlaces = map[int]ucdpPlace{
	1: {"exact", 1000, ""},
	2: {"near", 25000, ""},
	3: {"district", 50000, ""},
	4: {"region", 150000, ""},
	5: {"region", 100000, ""},
	// Checked as a region, then skipped.
	6: {"region", 150000, "where_prec 6: only the country is known"},
	7: {"region", 300000, ""},
}

// readUCDP reads a UCDP GED CSV file.
func readUCDP(r io.Reader, b *reportBuilder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	start, end := t.pick("date_start_iso", "date_start"), t.pick("date_end_iso", "date_end")
	if start == "" || end == "" {
		return truce.Errorf(truce.EINVALID, "line 1: the header has no date_start_iso and date_end_iso (or date_start and date_end) columns.")
	}
	if err := t.require("id", "date_prec", "where_prec", "latitude", "longitude", "best"); err != nil {
		return err
	}
	prefix, source := b.prefix("ucdp:"), b.sourceName("UCDP GED")
	return t.each(func(r *row) error {
		id := r.get("id")
		ref, err := clientRef(r.where, "id", prefix, id)
		if err != nil {
			return err
		}
		rep := b.newReport(ref, source, id, firstURL(r.get("source_article")))
		when, skip, err := ucdpWhen(r, b, start, end)
		if err != nil {
			return err
		}
		rep.When = when
		where, placeSkip, err := ucdpWhere(r)
		if err != nil {
			return err
		}
		rep.Where = where
		if skip == "" {
			skip = placeSkip
		}
		if rep.Casualties, err = ucdpDeaths(r); err != nil {
			return err
		}
		if rep.Accused, err = b.accuse(r.where, r.get("side_a"), r.get("side_b")); err != nil {
			return err
		}
		headline := r.get("source_headline")
		rep.Act = ucdpAct(headline)
		rep.Text = clean(headline, 8000)
		return b.add(r.where, rep, skip)
	})
}

// ucdpWhen reads the dates and date_prec of a row; the reason to skip is
// set if they span more than a report may.
func ucdpWhen(r *row, b *reportBuilder, startCol, endCol string) (truce.When, string, error) {
	prec, err := code(r.where, "date_prec", r.get("date_prec"), 5)
	if err != nil {
		return truce.When{}, "", err
	}
	first, err := day(r.where, startCol, r.get(startCol), b.zone)
	if err != nil {
		return truce.When{}, "", err
	}
	last, err := day(r.where, endCol, r.get(endCol), b.zone)
	if err != nil {
		return truce.When{}, "", err
	}
	if last.Before(first) {
		return truce.When{}, "", invalid(r.where, "%s %s is before %s %s.", endCol, r.get(endCol), startCol, r.get(startCol))
	}
	w := dayWhen(first, last)
	if w.End.Sub(w.Start) > maxSpan {
		return w, fmt.Sprintf("date_prec %d: the dates span more than 31 days", prec), nil
	}
	return w, "", nil
}

// ucdpWhere reads the coordinates, where_prec and place names of a row.
func ucdpWhere(r *row) (truce.Where, string, error) {
	prec, err := code(r.where, "where_prec", r.get("where_prec"), 7)
	if err != nil {
		return truce.Where{}, "", err
	}
	lat, err := coordinate(r.where, "latitude", r.get("latitude"), 90)
	if err != nil {
		return truce.Where{}, "", err
	}
	lon, err := coordinate(r.where, "longitude", r.get("longitude"), 180)
	if err != nil {
		return truce.Where{}, "", err
	}
	p := ucdpPlaces[prec]
	return truce.Where{Lat: lat, Lon: lon, RadiusMetres: p.radius, Precision: p.precision,
		Place: place(r.get("where_coordinates"), r.get("adm_2"), r.get("adm_1"))}, p.skip, nil
}

// ucdpDeaths reads best, low and high: killed is best, exact only when
// all three agree.
func ucdpDeaths(r *row) (truce.Casualties, error) {
	best, err := count(r.where, "best", r.get("best"))
	if err != nil || best == nil {
		if err == nil {
			err = invalid(r.where, "best is empty.")
		}
		return truce.Casualties{}, err
	}
	low, err := count(r.where, "low", r.get("low"))
	if err != nil {
		return truce.Casualties{}, err
	}
	high, err := count(r.where, "high", r.get("high"))
	if err != nil {
		return truce.Casualties{}, err
	}
	c := truce.Casualties{Killed: best, Precision: "estimate"}
	if low != nil && high != nil && *low == *best && *high == *best {
		c.Precision = "exact"
	}
	return c, nil
}

// ucdpActs are the phrases that name a kind of attack in a UCDP headline.
var ucdpActs = []struct {
	act     truce.Act
	phrases []string
}{
	{truce.ActDroneStrike, []string{"drone attack", "drone attacks", "drone strike", "drone strikes",
		"kamikaze drone", "kamikaze drones", "uav attack", "uav attacks", "uav strike", "uav strikes"}},
	{truce.ActMissileStrike, []string{"missile attack", "missile attacks", "missile strike", "missile strikes",
		"missile hit", "missile hits"}},
	{truce.ActAirStrike, []string{"air strike", "air strikes", "airstrike", "airstrikes", "air raid", "air raids"}},
	{truce.ActShelling, []string{"shelling", "shelled", "artillery fire", "artillery strike", "artillery strikes",
		"mortar fire", "mortar attack", "mortar attacks"}},
}

// ucdpAct returns the act a headline names, if it names exactly one kind
// of attack, else other.
func ucdpAct(headline string) truce.Act {
	norm := words(headline)
	found := truce.ActOther
	for _, a := range ucdpActs {
		if !phrases(norm, a.phrases...) {
			continue
		}
		if found != truce.ActOther {
			return truce.ActOther
		}
		found = a.act
	}
	return found
}

// firstURL returns the first http or https URL in text, or "".
func firstURL(text string) string {
	for {
		i := strings.Index(text, "http")
		if i < 0 {
			return ""
		}
		text = text[i:]
		end := strings.IndexAny(text, " \t\r\n\"'<>;")
		if end < 0 {
			end = len(text)
		}
		cand := strings.TrimRight(text[:end], ".,)")
		if u, err := url.Parse(cand); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
			len(cand) <= 2000 && clean(cand, 2000) == cand {
			return cand
		}
		text = text[4:]
	}
}
