package truce

// Check reports whether st may be appended at the current position of the
// log: it names this log, its signatures verify with registered, active
// keys of the member it names, and the member's role allows what it says.
//
// Returns EINVALID for a statement meant for another log or breaking a
// rule of its kind, EUNAUTHORIZED for an unknown or revoked key or a bad
// signature, EFORBIDDEN for a key that signs for another member or a role
// that may not say this, and ECONFLICT for a statement that contradicts
// the state (a key registered twice).
func (a *Authority) Check(st *Statement) error {
	if st.Payload.Log != a.origin {
		return Errorf(EINVALID, "Statement is for log %q; this log is %q.", st.Payload.Log, a.origin)
	}
	if !a.Chartered() {
		return a.checkFirstCharter(st)
	}
	if st.Payload.Kind == KindCharter {
		return a.checkAmendment(st)
	}
	if n, want := len(st.Envelope.Signatures), signaturesOf(st.Payload.Kind); n != want {
		return Errorf(EINVALID, "A %s statement carries %d signature(s), not %d.", st.Payload.Kind, want, n)
	}
	if _, err := a.checkSignature(st, st.Envelope.Signatures[0], st.Payload.Signer); err != nil {
		return err
	}
	return a.checkKind(st)
}

// checkSignature checks one signature of st as made by member, and returns
// the key that made it.
func (a *Authority) checkSignature(st *Statement, sig Signature, member string) (*Key, error) {
	k := a.keys[sig.KeyID]
	switch {
	case k == nil:
		return nil, Errorf(EUNAUTHORIZED, "Key %q is not registered in this log.", sig.KeyID)
	case k.Member != member:
		return nil, Errorf(EFORBIDDEN, "Key %q belongs to %q; it cannot sign for %q.", k.ID, k.Member, member)
	case a.members[member] == nil || a.members[member].Removed:
		return nil, Errorf(EFORBIDDEN, "Member %q is not in the charter in force.", member)
	case !k.Active():
		return nil, Errorf(EUNAUTHORIZED, "Key %q was revoked at log index %d.", k.ID, *k.RevokedAt)
	case !st.Verify(k.ID, k.pub):
		return nil, Errorf(EUNAUTHORIZED, "Signature does not verify with key %q.", k.ID)
	}
	return k, nil
}

// signaturesOf returns how many signatures a statement of a kind other
// than charter carries: key.add adds the new key's own.
func signaturesOf(k Kind) int {
	if k == KindKeyAdd {
		return 2
	}
	return 1
}

// checkFirstCharter checks the log's first statement, which must be a
// charter signed by one of the members it names with a key it lists.
func (a *Authority) checkFirstCharter(st *Statement) error {
	c, ok := st.Body.(*Charter)
	if !ok {
		return Errorf(EINVALID, "The log's first statement must be a charter, not %s.", st.Payload.Kind)
	}
	if c.Member(st.Payload.Signer) == nil {
		return Errorf(EFORBIDDEN, "The charter's signer %q must be one of its members.", st.Payload.Signer)
	}
	if c.Replaces != "" {
		return Errorf(EINVALID, "The log's first charter replaces nothing; replaces must be empty.")
	}
	for i, sig := range st.Envelope.Signatures {
		m, k := charterKey(c, sig.KeyID)
		switch {
		case k == nil:
			return Errorf(EUNAUTHORIZED, "Charter signature %d: key %q is not listed in the charter.", i, sig.KeyID)
		case i == 0 && m.ID != st.Payload.Signer:
			return Errorf(EFORBIDDEN, "Key %q belongs to %q; it cannot sign for %q.", sig.KeyID, m.ID, st.Payload.Signer)
		}
		pub, _ := k.Decode() // validated with the body
		if !st.Verify(sig.KeyID, pub) {
			return Errorf(EUNAUTHORIZED, "Signature does not verify with key %q.", sig.KeyID)
		}
	}
	return nil
}

func charterKey(c *Charter, id string) (*Member, *PublicKey) {
	for i := range c.Members {
		for j := range c.Members[i].Keys {
			if c.Members[i].Keys[j].ID == id {
				return &c.Members[i], &c.Members[i].Keys[j]
			}
		}
	}
	return nil, nil
}

// checkAmendment checks a charter that replaces the one in force: every
// party of the charter in force must have signed it.
func (a *Authority) checkAmendment(st *Statement) error {
	if c := st.Body.(*Charter); c.Replaces != a.charter {
		return Errorf(ECONFLICT, "A new charter must name the charter in force, %s, in replaces (it names %q).", a.charter, c.Replaces)
	}
	signed := map[string]bool{}
	for i, sig := range st.Envelope.Signatures {
		k := a.keys[sig.KeyID]
		member := st.Payload.Signer
		if i > 0 && k != nil {
			member = k.Member
		}
		if _, err := a.checkSignature(st, sig, member); err != nil {
			return err
		}
		signed[member] = true
	}
	for _, m := range a.Members() {
		if m.Role == RoleParty && !m.Removed && !signed[m.ID] {
			return Errorf(EFORBIDDEN, "A new charter must be signed by every party; %q has not signed.", m.ID)
		}
	}
	return a.checkCharterKeys(st.Body.(*Charter))
}

// checkCharterKeys refuses a charter that lists a key registered to
// another member or one already revoked.
func (a *Authority) checkCharterKeys(c *Charter) error {
	for _, m := range c.Members {
		for _, pk := range m.Keys {
			k := a.keys[pk.ID]
			switch {
			case k == nil:
			case k.Member != m.ID:
				return Errorf(ECONFLICT, "Key %q is registered to %q, not %q.", pk.ID, k.Member, m.ID)
			case !k.Active():
				return Errorf(ECONFLICT, "Key %q was revoked at log index %d and cannot be listed again.", pk.ID, *k.RevokedAt)
			}
		}
	}
	return nil
}

// checkKind applies the rules of the statement's kind.
func (a *Authority) checkKind(st *Statement) error {
	signer := a.members[st.Payload.Signer]
	switch b := st.Body.(type) {
	case *KeyAdd:
		if k := a.keys[b.Key.ID]; k != nil {
			return Errorf(ECONFLICT, "Key %q is already registered to %q.", b.Key.ID, k.Member)
		}
		return checkPossession(st, b)
	case *KeyRevoke:
		return a.checkRevoke(signer, b)
	}
	return nil
}

func (a *Authority) checkRevoke(signer *MemberState, b *KeyRevoke) error {
	k := a.keys[b.KeyID]
	switch {
	case signer.ID != b.Member && signer.Role != RoleMediator:
		return Errorf(EFORBIDDEN, "Only %q or the mediator may revoke %q's keys.", b.Member, b.Member)
	case k == nil || k.Member != b.Member:
		return Errorf(ENOTFOUND, "Member %q has no key %q.", b.Member, b.KeyID)
	case !k.Active():
		return Errorf(ECONFLICT, "Key %q was already revoked at log index %d.", k.ID, *k.RevokedAt)
	case len(a.activeKeys(b.Member)) == 1:
		return Errorf(ECONFLICT, "Key %q is %q's last active key; add a new key first.", k.ID, b.Member)
	}
	return nil
}

// checkPossession checks that a key.add statement's second signature is by
// the key it adds.
func checkPossession(st *Statement, b *KeyAdd) error {
	sig := st.Envelope.Signatures[1]
	pub, _ := b.Key.Decode() // validated with the body
	if sig.KeyID != b.Key.ID || !st.Verify(sig.KeyID, pub) {
		return Errorf(EUNAUTHORIZED, "A key.add statement's second signature must be by the key it adds (%s), proving the member holds it.", b.Key.ID)
	}
	return nil
}
