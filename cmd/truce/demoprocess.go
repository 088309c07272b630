package main

import (
	"fmt"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/geo"
)

// demoSteps is the form of demo/process-2025-03.yaml.
type demoSteps struct {
	Steps []struct {
		By   string     `json:"by"`
		At   time.Time  `json:"at"`
		Kind truce.Kind `json:"kind"`
		// Report names, by its client reference, a report whose incident
		// the step is about; the step's body gets that incident's id.
		Report string         `json:"report,omitempty"`
		Body   map[string]any `json:"body"`
	} `json:"steps"`
}

// demoProcessStatements returns the replies, determinations and bulletins of the
// demo, made after the statements of prior: it derives the incidents of
// prior as the service would, to name them.
func demoProcessStatements(signers map[string]*truce.Signer, origin string, charter *truce.Statement, prior []*truce.Statement) ([]*truce.Statement, error) {
	var p demoSteps
	if err := readDemoYAML("demo/process-2025-03.yaml", &p); err != nil {
		return nil, err
	}
	incidentOf, err := demoIncidents(origin, append([]*truce.Statement{charter}, prior...))
	if err != nil {
		return nil, err
	}
	var out []*truce.Statement
	for _, s := range p.Steps {
		body := s.Body
		if s.Report != "" {
			id, ok := incidentOf[s.Report]
			if !ok {
				return nil, fmt.Errorf("demo step %s by %s: no incident holds report %q", s.Kind, s.By, s.Report)
			}
			body["incident"] = id
		}
		st, err := truce.Sign(signers[s.By], origin, s.Kind, s.At, body)
		if err != nil {
			return nil, fmt.Errorf("demo step %s by %s: %w", s.Kind, s.By, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// demoIncidents applies sts as the projector would and returns the
// incident of each report with a client reference.
func demoIncidents(origin string, sts []*truce.Statement) (map[string]string, error) {
	state := truce.NewState(origin)
	sites := geo.NewIndex[string]()
	eng := engine.New(state.Terms, state.Registry, sites)
	eng.UseAuthority(state.Authority)
	refs := map[string]string{}
	for i, st := range sts {
		if err := state.Check(st); err != nil {
			return nil, fmt.Errorf("demo %s by %s: %w", st.Payload.Kind, st.Payload.Signer, err)
		}
		ch := state.Apply(st, uint64(i))
		for j := range ch.Sites {
			if err := sites.Update(geo.SiteItem(&ch.Sites[j])); err != nil {
				return nil, err
			}
		}
		if _, err := eng.Apply(st, uint64(i)); err != nil {
			return nil, err
		}
		if r, ok := st.Body.(*truce.Report); ok && r.ClientRef != "" {
			id, _ := eng.IncidentOf(st.ID)
			refs[st.Payload.Signer+":"+r.ClientRef] = id
		}
	}
	return refs, nil
}
