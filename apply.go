package truce

// Apply records the effect of st, which Check accepted, as the statement
// at log index index, and returns what changed.
func (a *Authority) Apply(st *Statement, index uint64) Change {
	switch b := st.Body.(type) {
	case *Charter:
		a.charter, a.rules = st.ID, b
		return a.applyCharter(b, index)
	case *KeyAdd:
		return Change{Keys: []Key{*a.register(st.Payload.Signer, b.Key, index)}}
	case *KeyRevoke:
		k := a.keys[b.KeyID]
		at := index
		k.RevokedAt = &at
		return Change{Keys: []Key{*k}}
	}
	return Change{}
}

func (a *Authority) applyCharter(c *Charter, index uint64) Change {
	var ch Change
	named := map[string]bool{}
	for _, m := range c.Members {
		named[m.ID] = true
		s := a.members[m.ID]
		if s == nil {
			s = &MemberState{ID: m.ID, Since: index}
			a.members[m.ID] = s
		}
		s.Role, s.Name, s.Removed = m.Role, m.Name, false
		for _, pk := range m.Keys {
			if a.keys[pk.ID] == nil {
				ch.Keys = append(ch.Keys, *a.register(m.ID, pk, index))
			}
		}
	}
	// A member the charter no longer names loses its keys for good: were
	// it named again later, it would come back with new keys only.
	for _, m := range a.Members() {
		if s := a.members[m.ID]; !named[s.ID] && !s.Removed {
			s.Removed = true
			for _, k := range a.activeKeys(s.ID) {
				at := index
				k.RevokedAt = &at
				ch.Keys = append(ch.Keys, *k)
			}
		}
	}
	ch.Members = a.Members()
	return ch
}

func (a *Authority) register(member string, pk PublicKey, index uint64) *Key {
	pub, _ := pk.Decode() // validated with the body
	k := &Key{ID: pk.ID, Member: member, PublicKey: pk.Key, AddedAt: index, pub: pub}
	a.keys[k.ID] = k
	return k
}
