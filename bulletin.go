package truce

import (
	"cmp"
	"slices"
	"time"
)

// Bulletin is the body of a bulletin statement: a situation update from
// one member's staff to the others, outside any incident, e.g. "a
// demining operation near Enerhodar from 06:00 to 12:00".
type Bulletin struct {
	Title string `json:"title"`
	Text  string `json:"text"`
	// Area and Window say where and when the update applies, if anywhere.
	Area   *Geometry `json:"area,omitempty"`
	Window *Span     `json:"window,omitempty"`
	// To are the members it is addressed to; empty for every member.
	To []string `json:"to,omitempty"`
	// AckRequested asks each addressee to acknowledge it with bulletin.ack.
	AckRequested bool `json:"ack_requested,omitempty"`
}

// Span is a span of time; Until is optional.
type Span struct {
	From  time.Time  `json:"from"`
	Until *time.Time `json:"until,omitempty"`
}

// Validate checks the fields.
func (b *Bulletin) Validate() error {
	if err := validateText("title", b.Title, 200, true); err != nil {
		return err
	}
	if err := validateText("text", b.Text, 8000, true); err != nil {
		return err
	}
	if b.Area != nil {
		if err := b.Area.Validate(); err != nil {
			return Errorf(EINVALID, "area: %s", ErrorMessage(err))
		}
	}
	if w := b.Window; w != nil {
		if w.From.IsZero() {
			return Errorf(EINVALID, "window.from is required (RFC 3339).")
		}
		if w.Until != nil && !w.Until.After(w.From) {
			return Errorf(EINVALID, "window.until must be after window.from.")
		}
	}
	if len(b.To) > maxMembers {
		return Errorf(EINVALID, "to lists more than %d members.", maxMembers)
	}
	for _, m := range b.To {
		if err := ValidateMemberID(m); err != nil {
			return Errorf(EINVALID, "to: %s", ErrorMessage(err))
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(b.To)))) != len(b.To) {
		return Errorf(EINVALID, "to names a member twice.")
	}
	return nil
}

// BulletinAck is the body of a bulletin.ack statement: an addressee says
// it has received a bulletin.
type BulletinAck struct {
	Bulletin string `json:"bulletin"`
	Text     string `json:"text,omitempty"`
}

// Validate checks the fields.
func (a *BulletinAck) Validate() error {
	if err := validateStatementID("bulletin", a.Bulletin); err != nil {
		return err
	}
	return validateText("text", a.Text, 2000, false)
}

// BulletinState is a bulletin as the log has established it, with its
// acknowledgements.
type BulletinState struct {
	ID     string    `json:"id"`
	Index  uint64    `json:"index"`
	Signer string    `json:"signer"`
	Time   time.Time `json:"time"`
	Bulletin
	Acks []Ack `json:"acks"`
}

// Ack is one acknowledgement of a bulletin.
type Ack struct {
	Member    string    `json:"member"`
	Statement string    `json:"statement"`
	Index     uint64    `json:"index"`
	Time      time.Time `json:"time"`
	Text      string    `json:"text,omitempty"`
}

// Addressed reports whether member is among the bulletin's addressees:
// everyone but its author when To is empty.
func (b *BulletinState) Addressed(member string) bool {
	if member == b.Signer {
		return false
	}
	return len(b.To) == 0 || slices.Contains(b.To, member)
}

// Acked reports whether member has acknowledged the bulletin.
func (b *BulletinState) Acked(member string) bool {
	return slices.ContainsFunc(b.Acks, func(a Ack) bool { return a.Member == member })
}

// Clone returns a copy that shares nothing with b.
func (b *BulletinState) Clone() BulletinState {
	c := *b
	c.To, c.Acks = slices.Clone(b.To), slices.Clone(b.Acks)
	if b.Window != nil {
		w := *b.Window
		c.Window = &w
	}
	return c
}

// Bulletins holds every bulletin. It is not safe for concurrent use.
type Bulletins struct {
	byID map[string]*BulletinState
}

// NewBulletins returns an empty set.
func NewBulletins() *Bulletins { return &Bulletins{byID: map[string]*BulletinState{}} }

// RestoreBulletins returns the set that persisted bulletin states describe.
func RestoreBulletins(bs []BulletinState) *Bulletins {
	r := NewBulletins()
	for i := range bs {
		b := bs[i]
		r.byID[b.ID] = &b
	}
	return r
}

// Bulletin returns bulletin id, or nil.
func (r *Bulletins) Bulletin(id string) *BulletinState { return r.byID[id] }

// All returns every bulletin, in log order. The states are r's own: clone
// them to keep them.
func (r *Bulletins) All() []*BulletinState {
	out := make([]*BulletinState, 0, len(r.byID))
	for _, b := range r.byID {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *BulletinState) int { return cmp.Compare(a.Index, b.Index) })
	return out
}

func (r *Bulletins) checkAck(signer string, a *BulletinAck) error {
	b := r.byID[a.Bulletin]
	switch {
	case b == nil:
		return Errorf(ENOTFOUND, "Bulletin %s is not in the log.", a.Bulletin)
	case !b.Addressed(signer):
		return Errorf(EFORBIDDEN, "Bulletin %s is not addressed to %q.", a.Bulletin, signer)
	case b.Acked(signer):
		return Errorf(ECONFLICT, "%s has already acknowledged bulletin %s.", signer, a.Bulletin)
	}
	return nil
}

func (r *Bulletins) add(id string, index uint64, signer string, t time.Time, b *Bulletin) *BulletinState {
	s := &BulletinState{ID: id, Index: index, Signer: signer, Time: t.UTC(), Bulletin: *b, Acks: []Ack{}}
	r.byID[id] = s
	return s
}

func (r *Bulletins) ack(st *Statement, index uint64, a *BulletinAck) *BulletinState {
	b := r.byID[a.Bulletin]
	b.Acks = append(b.Acks, Ack{Member: st.Payload.Signer, Statement: st.ID, Index: index, Time: st.Payload.Time.UTC(), Text: a.Text})
	return b
}
