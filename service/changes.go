package service

import (
	"strconv"

	"github.com/truce-project/truce"
)

// changes gathers what the statements of one batch changed, keeping the
// last state of each member, key, agreement version and site, so that the
// store writes each once.
type changes struct {
	members    keyed[truce.MemberState]
	keys       keyed[truce.Key]
	agreements keyed[truce.AgreementVersion]
	sites      keyed[truce.SiteState]
	events     []truce.SiteEvent
	reports    keyed[truce.ReportState]
	bulletins  keyed[truce.BulletinState]
	incidents  keyed[truce.Incident]
}

func (c *changes) add(ch truce.Change) {
	for _, m := range ch.Members {
		c.members.put(m.ID, m)
	}
	for _, k := range ch.Keys {
		c.keys.put(k.ID, k)
	}
	for _, v := range ch.Agreements {
		c.agreements.put(v.Agreement.ID+"@"+strconv.Itoa(v.Agreement.Version), v)
	}
	for _, s := range ch.Sites {
		c.sites.put(s.ID, s)
	}
	c.events = append(c.events, ch.SiteEvents...)
	for _, r := range ch.Reports {
		c.reports.put(r.ID, r)
	}
	for _, b := range ch.Bulletins {
		c.bulletins.put(b.ID, b)
	}
}

// addIncidents records incidents the engine created or changed.
func (c *changes) addIncidents(incs []truce.Incident) {
	for _, inc := range incs {
		c.incidents.put(inc.ID, inc)
	}
}

// into puts the changes in b, each kind in the order it first changed.
func (c *changes) into(b *truce.Batch) {
	b.Members, b.Keys = c.members.list, c.keys.list
	b.Agreements, b.Sites, b.SiteEvents = c.agreements.list, c.sites.list, c.events
	b.Reports, b.Incidents = c.reports.list, c.incidents.list
	b.Bulletins = c.bulletins.list
}

// keyed is a list of values with at most one per key; a later put
// replaces the value in place.
type keyed[T any] struct {
	at   map[string]int
	list []T
}

func (k *keyed[T]) put(key string, v T) {
	if k.at == nil {
		k.at = map[string]int{}
	}
	if i, ok := k.at[key]; ok {
		k.list[i] = v
		return
	}
	k.at[key] = len(k.list)
	k.list = append(k.list, v)
}
