package truce

import "time"

// InForce is an agreement version that binds a party at a time.
type InForce struct {
	Agreement string `json:"agreement"`
	Version   int    `json:"version"`
	Party     string `json:"party"`
	// Since is when the version took effect for the party; Until, if set,
	// when it stops: its window ends or a later version, signed by every
	// party, takes effect for the party, as in Periods.
	Since time.Time  `json:"since"`
	Until *time.Time `json:"until,omitempty"`
	// Clauses are the ids of the version's clauses.
	Clauses []string `json:"clauses"`
	// Terms are the version's terms.
	Terms *Agreement `json:"-"`
}

// InForce returns, for each agreement, the version that binds party at
// time at, in agreement id order.
//
// A version binds a party once every party has signed it, from the later
// of the window's start and the party's acceptance, until the window ends
// or a later version takes effect for that party. Once a later version has
// taken effect, the versions it superseded never apply again, even after
// it expires.
func (t *Terms) InForce(party string, at time.Time) []InForce {
	var out []InForce
	for _, id := range t.Agreements() {
		if f, ok := t.inForce(id, party, at); ok {
			out = append(out, f)
		}
	}
	return out
}

func (t *Terms) inForce(id, party string, at time.Time) (InForce, bool) {
	vs := t.versions[id]
	var next *time.Time // the earliest start after at of a later version
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		start, ok := v.start(party)
		if !ok {
			continue
		}
		if at.Before(start) {
			if next == nil || start.Before(*next) {
				next = &start
			}
			continue
		}
		until := v.Agreement.Window.Until
		if until != nil && !at.Before(*until) {
			return InForce{}, false
		}
		if next != nil && (until == nil || next.Before(*until)) {
			until = next
		}
		clauses := make([]string, len(v.Agreement.Clauses))
		for i, c := range v.Agreement.Clauses {
			clauses[i] = c.ID
		}
		return InForce{Agreement: id, Version: v.Agreement.Version, Party: party, Since: start, Until: until, Clauses: clauses, Terms: &v.Agreement}, true
	}
	return InForce{}, false
}

// Period is when a version binds a party. A version whose Until is not
// after From never took effect for that party.
type Period struct {
	Version int        `json:"version"`
	Party   string     `json:"party"`
	From    time.Time  `json:"from"`
	Until   *time.Time `json:"until,omitempty"`
}

// Periods returns, for every signed version of agreement id and each of
// its parties, when the version binds that party, in version and party
// order. It agrees with InForce at every instant.
func (t *Terms) Periods(id string) []Period {
	var out []Period
	vs := t.versions[id]
	for i, v := range vs {
		for _, party := range sortedStrings(v.Agreement.Parties) {
			start, ok := v.start(party)
			if !ok {
				continue
			}
			until := v.Agreement.Window.Until
			for _, later := range vs[i+1:] {
				if s, ok := later.start(party); ok && (until == nil || s.Before(*until)) {
					s := s
					until = &s
				}
			}
			if until != nil && !until.After(start) {
				continue
			}
			out = append(out, Period{Version: v.Agreement.Version, Party: party, From: start, Until: until})
		}
	}
	return out
}

func sortedStrings(in []string) []string {
	out := append([]string(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// InForceOf returns the version of agreement id that binds party at time
// at, if any: InForce for one agreement.
func (t *Terms) InForceOf(id, party string, at time.Time) (InForce, bool) {
	return t.inForce(id, party, at)
}
