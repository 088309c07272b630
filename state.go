package truce

// State is everything the log has established at one position: who may
// sign (Authority), the agreements (Terms) and the protected sites
// (Registry). The projector applies each statement to it in log order.
// It is not safe for concurrent use.
type State struct {
	*Authority
	Terms     *Terms
	Registry  *Registry
	Reports   *Reports
	Bulletins *Bulletins
}

// NewState returns the state of an empty log with the given origin.
func NewState(origin string) *State {
	return &State{Authority: NewAuthority(origin), Terms: NewTerms(), Registry: NewRegistry(), Reports: NewReports(), Bulletins: NewBulletins()}
}

// roles lists who may make statements of each kind beyond the charter and
// key kinds, whose rules Authority applies.
var roles = map[Kind][]Role{
	KindAgreementPropose: {RoleMediator},
	KindAgreementSign:    {RoleParty},
	KindSiteDeclare:      {RoleParty, RoleMediator},
	KindSiteBatch:        {RoleParty, RoleMediator},
	KindSiteRetire:       {RoleParty, RoleMediator},
	KindSiteDispute:      {RoleParty},
	KindReport:           {RoleParty, RoleMonitor, RoleSource, RoleMediator},
	KindReportRetract:    {RoleParty, RoleMonitor, RoleSource, RoleMediator},
	KindResponse:         {RoleParty},
	KindDetermination:    {RoleMediator, RoleMonitor},
	KindBulletin:         {RoleParty, RoleMediator, RoleMonitor},
	KindBulletinAck:      {RoleParty, RoleMediator, RoleMonitor},
	KindStateRoot:        {RoleOperator},
}

// Check reports whether st may be appended now: Authority.Check, then the
// signer's role and the rules of the statement's kind. Errors are those
// of Authority.Check.
func (s *State) Check(st *Statement) error {
	if err := s.Authority.Check(st); err != nil {
		return err
	}
	allowed, ok := roles[st.Payload.Kind]
	if !ok {
		return nil
	}
	signer := s.Member(st.Payload.Signer)
	if !hasRole(allowed, signer.Role) {
		return Errorf(EFORBIDDEN, "A %s may not make %s statements (allowed: %v).", signer.Role, st.Payload.Kind, allowed)
	}
	return s.checkBody(signer, st.Body)
}

func hasRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func (s *State) checkBody(signer *MemberState, body any) error {
	switch b := body.(type) {
	case *AgreementPropose:
		if err := s.checkAgreementMembers(&b.Agreement); err != nil {
			return err
		}
		return s.Terms.checkPropose(&b.Agreement)
	case *AgreementSign:
		return s.Terms.checkSign(signer.ID, b)
	case *SiteDeclare:
		return s.Registry.checkDeclare(signer, &b.Site, s.isParty)
	case *SiteBatch:
		for i := range b.Sites {
			if err := s.Registry.checkDeclare(signer, &b.Sites[i], s.isParty); err != nil {
				return err
			}
		}
	case *SiteRetire:
		return s.Registry.checkRetire(signer, b)
	case *SiteDispute:
		return s.Registry.checkDispute(signer, b)
	case *Report:
		return s.checkReport(signer, b)
	case *ReportRetract:
		return s.Reports.checkRetract(signer.ID, b)
	case *Determination:
		if b.Party != "" && !s.isParty(b.Party) {
			return Errorf(EINVALID, "party: %q is not a party in the charter.", b.Party)
		}
	case *Bulletin:
		return s.checkBulletin(signer, b)
	case *BulletinAck:
		return s.Bulletins.checkAck(signer.ID, b)
	}
	return nil
}

// checkBulletin checks that a bulletin is addressed to members who can
// read it: parties, mediators and monitors, other than its author.
func (s *State) checkBulletin(signer *MemberState, b *Bulletin) error {
	for _, id := range b.To {
		m := s.Member(id)
		switch {
		case m == nil || m.Removed:
			return Errorf(EINVALID, "to: %q is not a member in the charter.", id)
		case id == signer.ID:
			return Errorf(EINVALID, "to: a bulletin is not addressed to its author.")
		case !hasRole(roles[KindBulletin], m.Role):
			return Errorf(EINVALID, "to: %q is a %s; bulletins go to parties, mediators and monitors.", id, m.Role)
		}
	}
	return nil
}

// checkReport checks what a report's fields say about the log: the source
// kind fits the signer's role, the accused are parties, the named sites
// are in the registry, and the client reference is new.
func (s *State) checkReport(signer *MemberState, b *Report) error {
	if !hasKind(sourceKinds[signer.Role], b.SourceKind) {
		return Errorf(EFORBIDDEN, "A %s reports with source_kind %v, not %q.", signer.Role, sourceKinds[signer.Role], b.SourceKind)
	}
	for _, a := range b.Accused {
		if !s.isParty(a) {
			return Errorf(EINVALID, "accused: %q is not a party in the charter.", a)
		}
	}
	for _, id := range b.Target.Sites {
		if s.Registry.Site(id) == nil {
			return Errorf(EINVALID, "target.sites: site %s is not in the registry.", id)
		}
	}
	return s.Reports.checkReport(signer.ID, b)
}

func hasKind(kinds []SourceKind, k SourceKind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// isParty reports whether id is a party of the charter in force.
func (s *State) isParty(id string) bool {
	m := s.Member(id)
	return m != nil && !m.Removed && m.Role == RoleParty
}

func (s *State) checkAgreementMembers(a *Agreement) error {
	for _, p := range a.Parties {
		if !s.isParty(p) {
			return Errorf(EINVALID, "Agreement %s: parties: %q is not a party in the charter.", a.ID, p)
		}
	}
	if a.Mediator != "" {
		if m := s.Member(a.Mediator); m == nil || m.Removed || m.Role != RoleMediator {
			return Errorf(EINVALID, "Agreement %s: mediator: %q is not a mediator in the charter.", a.ID, a.Mediator)
		}
	}
	return nil
}

// Apply records the effect of st, which Check accepted, as the statement
// at log index index, and returns what changed.
func (s *State) Apply(st *Statement, index uint64) Change {
	p := &st.Payload
	switch b := st.Body.(type) {
	case *AgreementPropose:
		return Change{Agreements: []AgreementVersion{*s.Terms.propose(b.Agreement, index, st.ID)}}
	case *AgreementSign:
		return Change{Agreements: []AgreementVersion{*s.Terms.sign(p.Signer, b, index, st.ID)}}
	case *SiteDeclare:
		site, ev := s.Registry.declare(b.Site, p.Signer, p.Time, index, st.ID, p.Kind)
		return Change{Sites: []SiteState{*site}, SiteEvents: []SiteEvent{ev}}
	case *SiteBatch:
		var ch Change
		for _, site := range b.Sites {
			ss, ev := s.Registry.declare(site, p.Signer, p.Time, index, st.ID, p.Kind)
			ch.Sites, ch.SiteEvents = append(ch.Sites, *ss), append(ch.SiteEvents, ev)
		}
		return ch
	case *Report:
		return Change{Reports: []ReportState{*s.Reports.add(st.ID, index, p.Signer, b)}}
	case *ReportRetract:
		return Change{Reports: []ReportState{*s.Reports.retract(b)}}
	case *Bulletin:
		return Change{Bulletins: []BulletinState{s.Bulletins.add(st.ID, index, p.Signer, p.Time, b).Clone()}}
	case *BulletinAck:
		return Change{Bulletins: []BulletinState{s.Bulletins.ack(st, index, b).Clone()}}
	case *SiteRetire:
		return s.siteChange(s.Registry.retire(b, p.Time), st, index, "retired: "+b.Reason)
	case *SiteDispute:
		return s.siteChange(s.Registry.dispute(b), st, index, "disputed ("+b.Grounds+"): "+b.Reason)
	}
	return s.Authority.Apply(st, index)
}

func (s *State) siteChange(site *SiteState, st *Statement, index uint64, summary string) Change {
	site.UpdatedAt = index
	ev := SiteEvent{Site: site.ID, Index: index, Statement: st.ID, Kind: st.Payload.Kind, Signer: st.Payload.Signer, Time: st.Payload.Time.UTC(), Summary: summary}
	return Change{Sites: []SiteState{*site}, SiteEvents: []SiteEvent{ev}}
}
