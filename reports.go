package truce

// ReportState is what the log has established about one report: who made
// it, its client reference, and whether it was retracted.
type ReportState struct {
	ID        string `json:"id"`
	Index     uint64 `json:"index"`
	Signer    string `json:"signer"`
	ClientRef string `json:"client_ref,omitempty"`
	Retracted bool   `json:"retracted,omitempty"`
}

// Reports holds the state of every report. It is not safe for concurrent
// use.
type Reports struct {
	byID map[string]*ReportState
	refs map[string]string // signer "\x00" client_ref -> report id
}

// NewReports returns an empty set.
func NewReports() *Reports {
	return &Reports{byID: map[string]*ReportState{}, refs: map[string]string{}}
}

// RestoreReports returns the set that persisted report states describe.
func RestoreReports(rs []ReportState) *Reports {
	r := NewReports()
	for i := range rs {
		s := rs[i]
		r.byID[s.ID] = &s
		if s.ClientRef != "" {
			r.refs[s.Signer+"\x00"+s.ClientRef] = s.ID
		}
	}
	return r
}

// Report returns the state of report id, or nil.
func (r *Reports) Report(id string) *ReportState { return r.byID[id] }

// Len returns the number of reports.
func (r *Reports) Len() int { return len(r.byID) }

func (r *Reports) checkReport(signer string, b *Report) error {
	if b.ClientRef == "" {
		return nil
	}
	if id, ok := r.refs[signer+"\x00"+b.ClientRef]; ok {
		return Errorf(ECONFLICT, "client_ref %q was already used by %s's report %s.", b.ClientRef, signer, id)
	}
	return nil
}

func (r *Reports) checkRetract(signer string, b *ReportRetract) error {
	s := r.byID[b.Report]
	switch {
	case s == nil:
		return Errorf(ENOTFOUND, "Report %s is not in the log.", b.Report)
	case s.Signer != signer:
		return Errorf(EFORBIDDEN, "Only %q, which made report %s, may retract it.", s.Signer, b.Report)
	case s.Retracted:
		return Errorf(ECONFLICT, "Report %s is already retracted.", b.Report)
	}
	return nil
}

func (r *Reports) add(id string, index uint64, signer string, b *Report) *ReportState {
	s := &ReportState{ID: id, Index: index, Signer: signer, ClientRef: b.ClientRef}
	r.byID[id] = s
	if b.ClientRef != "" {
		r.refs[signer+"\x00"+b.ClientRef] = id
	}
	return s
}

func (r *Reports) retract(b *ReportRetract) *ReportState {
	s := r.byID[b.Report]
	s.Retracted = true
	return s
}
