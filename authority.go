package truce

import (
	"crypto/ed25519"
	"sort"
)

// Key is a key registered in the log: by a charter or a key.add statement.
type Key struct {
	ID        string `json:"id"`
	Member    string `json:"member"`
	PublicKey string `json:"public_key"`
	// AddedAt is the log index of the statement that registered the key.
	AddedAt uint64 `json:"added_at"`
	// RevokedAt is the log index of the statement that revoked it, if any.
	RevokedAt *uint64 `json:"revoked_at,omitempty"`

	pub ed25519.PublicKey
}

// Active reports whether the key may sign statements appended now.
func (k *Key) Active() bool { return k.RevokedAt == nil }

// MemberState is a member as the log has made it: a charter entry and
// whether the charter in force still names it.
type MemberState struct {
	ID   string `json:"id"`
	Role Role   `json:"role"`
	Name string `json:"name"`
	// Since is the log index of the charter that first named the member.
	Since uint64 `json:"since"`
	// Removed is set when a later charter no longer names the member; its
	// keys then sign nothing further.
	Removed bool `json:"removed,omitempty"`
}

// Change lists what applying one statement changed in an Authority, so
// that a store can persist exactly that.
type Change struct {
	Members    []MemberState
	Keys       []Key
	Agreements []AgreementVersion
	Sites      []SiteState
	SiteEvents []SiteEvent
	Reports    []ReportState
	Bulletins  []BulletinState
}

// Authority is who may say what at one position of the log: the members
// of the charter in force and every key ever registered. It is built by
// applying accepted statements in log order and is not safe for concurrent
// use.
type Authority struct {
	origin string
	// charter is the statement id of the charter in force, and rules its
	// body.
	charter string
	rules   *Charter
	members map[string]*MemberState
	keys    map[string]*Key
}

// NewAuthority returns the authority of an empty log with the given origin.
func NewAuthority(origin string) *Authority {
	return &Authority{origin: origin, members: map[string]*MemberState{}, keys: map[string]*Key{}}
}

// RestoreAuthority returns the authority that the id of the charter in
// force, and members and keys as persisted by a store, describe. Returns
// EINVALID if a key is malformed.
func RestoreAuthority(origin, charter string, members []MemberState, keys []Key) (*Authority, error) {
	a := NewAuthority(origin)
	a.charter = charter
	for _, m := range members {
		m := m
		a.members[m.ID] = &m
	}
	for _, k := range keys {
		pub, err := PublicKey{ID: k.ID, Key: k.PublicKey}.Decode()
		if err != nil {
			return nil, err
		}
		k.pub = pub
		a.keys[k.ID] = &k
	}
	return a, nil
}

// Clone returns a copy of a that applying further statements to a does
// not change, for readers that must not wait for whoever applies them (the
// check of a bearer token). The charter's rules are shared: nothing
// changes them.
func (a *Authority) Clone() *Authority {
	c := &Authority{origin: a.origin, charter: a.charter, rules: a.rules,
		members: make(map[string]*MemberState, len(a.members)), keys: make(map[string]*Key, len(a.keys))}
	for id, m := range a.members {
		m := *m
		c.members[id] = &m
	}
	for id, k := range a.keys {
		k := *k
		if k.RevokedAt != nil {
			at := *k.RevokedAt
			k.RevokedAt = &at
		}
		c.keys[id] = &k
	}
	return c
}

// Charter returns the statement id of the charter in force, or "".
func (a *Authority) Charter() string { return a.charter }

// Rules returns the charter in force, or nil. Callers must not change it.
func (a *Authority) Rules() *Charter { return a.rules }

// RestoreRules gives a restored authority the body of its charter in
// force, which a store keeps as the charter's envelope. Returns ECONFLICT
// if st is not that charter.
func (a *Authority) RestoreRules(st *Statement) error {
	c, ok := st.Body.(*Charter)
	if !ok || st.ID != a.charter {
		return Errorf(ECONFLICT, "Statement %s is not the charter in force, %s.", st.ID, a.charter)
	}
	a.rules = c
	return nil
}

// Origin returns the log origin that statements must name.
func (a *Authority) Origin() string { return a.origin }

// Chartered reports whether the log has its charter.
func (a *Authority) Chartered() bool { return len(a.members) > 0 }

// Member returns the member with id, or nil.
func (a *Authority) Member(id string) *MemberState { return a.members[id] }

// Key returns the registered key with id, or nil.
func (a *Authority) Key(id string) *Key { return a.keys[id] }

// Members returns all members ever chartered, ordered by id.
func (a *Authority) Members() []MemberState {
	out := make([]MemberState, 0, len(a.members))
	for _, m := range a.members {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Keys returns all keys ever registered, ordered by id.
func (a *Authority) Keys() []Key {
	out := make([]Key, 0, len(a.keys))
	for _, k := range a.keys {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// activeKeys returns the active keys of member, ordered by id.
func (a *Authority) activeKeys(member string) []*Key {
	var out []*Key
	for _, k := range a.keys {
		if k.Member == member && k.Active() {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// PublicKey returns the public key registered with id, or nil. Callers use
// it to verify signatures outside any lock before Check.
func (a *Authority) PublicKey(id string) ed25519.PublicKey {
	if k := a.keys[id]; k != nil {
		return k.pub
	}
	return nil
}
