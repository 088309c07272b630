package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/truce-project/truce"
)

// findings says what rd found, in the order of the package documentation.
func (e *Engine) findings(rd *reading, inc *truce.Incident, counting []counted) []string {
	out := []string{}
	if len(counting) == 0 {
		out = append(out, "every report was retracted: the incident no longer counts")
	}
	protected := false
	for i := range rd.a.Sites {
		f := &rd.a.Sites[i]
		protected = protected || len(f.Clauses) > 0
		out = append(out, e.siteSentence(rd, inc, f))
	}
	if rd.more > 0 {
		out = append(out, fmt.Sprintf("and %d more sites further away are not listed", rd.more))
	}
	if !protected {
		out = append(out, "no protected site within "+km(rd.search))
	}
	for _, pt := range rd.a.Parties {
		switch {
		case pt.Reason != "":
			out = append(out, fmt.Sprintf("no terms bind %s: %s", pt.Party, pt.Reason))
		case len(pt.Clauses) == 0:
			out = append(out, fmt.Sprintf("%s is bound by %s version %d, but none of its clauses prohibits %s here", pt.Party, pt.Agreement, pt.Version, inc.Act))
		}
	}
	var zones []string
	for _, ap := range rd.apps {
		if ap.clause.Zone != nil {
			zones = append(zones, fmt.Sprintf("clause %s applies: the place is in its zone", ap.clause.ID))
		}
	}
	return append(out, sortedSet(zones)...)
}

// siteSentence says what a site finding means.
func (e *Engine) siteSentence(rd *reading, inc *truce.Incident, f *truce.SiteFinding) string {
	if len(f.Clauses) > 0 {
		where := "within " + distance(f.Metres) + " of " + f.Name
		if f.Metres == 0 {
			where = "at " + f.Name
		}
		if f.Named {
			where = "named as the target, " + where
		}
		return fmt.Sprintf("%s (%s; %s)", where, f.Category, clausesInForce(rd, f.Category))
	}
	what := fmt.Sprintf("named as the target: %s (%s)", f.Name, f.Category)
	s := e.registry.Site(f.Site)
	switch {
	case !s.ActiveAt(inc.Start):
		return fmt.Sprintf("%s, %s away, was not a protected site at the time", what, distance(f.Metres))
	case len(protecting(rd.apps, f.Category)) == 0:
		return fmt.Sprintf("%s, %s away, is not protected by any clause that applies", what, distance(f.Metres))
	}
	return fmt.Sprintf("%s is %s away, beyond its reach of %s", what, distance(f.Metres), distance(f.Reach))
}

// clausesInForce says which applicable clauses protect category c and
// since when they bind whom: "clauses E3 and E4, in force for ru since
// 2025-03-18", one part per PartyTerms, separated by "; ". The plan keeps
// the words: the same clauses bind the same parties from the same time.
func clausesInForce(rd *reading, c truce.Category) string {
	ru := rd.plan.rule(c)
	if ru.inForce != "" {
		return ru.inForce
	}
	var parts []string
	apps := protecting(rd.apps, c) // in the order of rd.a.Parties
	for i := 0; i < len(apps); {
		n := apps[i].terms
		var ids []string
		for ; i < len(apps) && apps[i].terms == n; i++ {
			ids = append(ids, apps[i].clause.ID)
		}
		ids = sortedSet(ids)
		word := "clause"
		if len(ids) > 1 {
			word = "clauses"
		}
		pt := &rd.a.Parties[n]
		parts = append(parts, fmt.Sprintf("%s %s, in force for %s since %s", word, andList(ids), pt.Party, pt.Since.Format("2006-01-02")))
	}
	ru.inForce = strings.Join(parts, "; ")
	return ru.inForce
}

// andList joins words as "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// distance writes metres as "850 m" under a kilometre and as km beyond.
func distance(metres float64) string {
	if m := math.Round(metres); m < 1000 {
		return strconv.FormatFloat(m, 'f', 0, 64) + " m"
	}
	return km(metres)
}

// km writes metres in kilometres: with one decimal under ten, without a
// trailing ".0", and whole beyond.
func km(metres float64) string {
	k := metres / 1000
	if r := math.Round(k*10) / 10; r < 10 {
		return strings.TrimSuffix(strconv.FormatFloat(r, 'f', 1, 64), ".0") + " km"
	}
	return strconv.FormatFloat(math.Round(k), 'f', 0, 64) + " km"
}
