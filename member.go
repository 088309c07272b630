package truce

import (
	"strings"
	"unicode"
)

// Role is what a member is to the agreement; it decides what it may say.
type Role string

// The roles of DESIGN.md.
const (
	RoleParty    Role = "party"    // a signatory
	RoleMediator Role = "mediator" // the guarantor's technical team
	RoleMonitor  Role = "monitor"  // an impartial mission
	RoleSource   Role = "source"   // a vetted outside reporter
	// RoleOperator is the service that runs the log: it may only append
	// state roots, so that its digests of the projection are signed
	// statements like any other.
	RoleOperator Role = "operator"
)

func (r Role) valid() bool {
	switch r {
	case RoleParty, RoleMediator, RoleMonitor, RoleSource, RoleOperator:
		return true
	}
	return false
}

// Member is a participant of a deployment, as named in the charter.
type Member struct {
	// ID is short and stable: lowercase letters, digits and hyphens.
	ID   string `json:"id"`
	Role Role   `json:"role"`
	// Name is for people, e.g. "Ukraine" or "OSCE Special Monitoring Mission".
	Name string `json:"name"`
	// Keys are the member's root keys, registered by the charter itself.
	Keys []PublicKey `json:"keys"`
}

// maxKeysPerMember bounds a charter entry; a member rotates keys with
// key.add and key.revoke rather than listing many.
const maxKeysPerMember = 8

// ValidateMemberID returns EINVALID unless id is 1 to 63 lowercase letters,
// digits and hyphens, starting with a letter or digit.
func ValidateMemberID(id string) error {
	if len(id) == 0 || len(id) > 63 || id[0] == '-' {
		return Errorf(EINVALID, "Member id %q must be 1 to 63 lowercase letters, digits and hyphens.", id)
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return Errorf(EINVALID, "Member id %q must be 1 to 63 lowercase letters, digits and hyphens.", id)
		}
	}
	return nil
}

// ValidateOrigin returns EINVALID unless origin can name a log in the
// C2SP signed-note format: printable, no spaces and no '+'.
func ValidateOrigin(origin string) error {
	if origin == "" || len(origin) > 255 || strings.ContainsRune(origin, '+') {
		return Errorf(EINVALID, "Log origin %q must be 1 to 255 printable characters without spaces or '+', e.g. \"truce.example/mission\".", origin)
	}
	for _, c := range origin {
		if unicode.IsSpace(c) || !unicode.IsPrint(c) {
			return Errorf(EINVALID, "Log origin %q must be 1 to 255 printable characters without spaces or '+'.", origin)
		}
	}
	return nil
}

func validateText(field, s string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return Errorf(EINVALID, "%s is required.", field)
	case len(s) > max:
		return Errorf(EINVALID, "%s is longer than %d bytes.", field, max)
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\n' && c != '\t' {
			return Errorf(EINVALID, "%s contains a control character.", field)
		}
	}
	return nil
}

// Validate checks the member's fields.
func (m *Member) Validate() error {
	if err := ValidateMemberID(m.ID); err != nil {
		return err
	}
	if !m.Role.valid() {
		return Errorf(EINVALID, "Member %q: role %q is not one of party, mediator, monitor, source, operator.", m.ID, m.Role)
	}
	if err := validateText("Member "+m.ID+": name", m.Name, 200, true); err != nil {
		return err
	}
	if len(m.Keys) == 0 || len(m.Keys) > maxKeysPerMember {
		return Errorf(EINVALID, "Member %q must have 1 to %d keys.", m.ID, maxKeysPerMember)
	}
	for _, k := range m.Keys {
		if _, err := k.Decode(); err != nil {
			return Errorf(EINVALID, "Member %q: %s", m.ID, ErrorMessage(err))
		}
	}
	return nil
}

// Charter is the body of a charter statement: the deployment's members and
// their root keys. The first statement of every log is a charter; a later
// one replaces it and must be signed by every party of the one in force.
type Charter struct {
	// Name is the deployment's name for people.
	Name    string   `json:"name"`
	Members []Member `json:"members"`
	// Replaces is the statement id of the charter in force, which this one
	// replaces; empty for the first. It makes an old charter, replayed
	// after a newer one, fail rather than take effect again.
	Replaces string `json:"replaces,omitempty"`
	// Determiners says who must agree for a determination to take effect;
	// nil lets any one mediator or monitor decide.
	Determiners *DeterminerPolicy `json:"determiners,omitempty"`
	// Witnesses, if set, names the witnesses that cosign the log's
	// checkpoints and how many must (see WitnessPolicy).
	Witnesses *WitnessPolicy `json:"witnesses,omitempty"`
}

// maxMembers keeps a charter well inside the log's entry limit.
const maxMembers = 64

// Validate checks the charter: valid members, unique member and key ids,
// and at least one party.
func (c *Charter) Validate() error {
	if err := validateText("Charter name", c.Name, 200, true); err != nil {
		return err
	}
	if len(c.Members) == 0 || len(c.Members) > maxMembers {
		return Errorf(EINVALID, "A charter names 1 to %d members.", maxMembers)
	}
	ids, keys, parties := map[string]bool{}, map[string]bool{}, 0
	for i := range c.Members {
		m := &c.Members[i]
		if err := m.Validate(); err != nil {
			return err
		}
		if ids[m.ID] {
			return Errorf(EINVALID, "Member %q is named twice.", m.ID)
		}
		ids[m.ID] = true
		for _, k := range m.Keys {
			if keys[k.ID] {
				return Errorf(EINVALID, "Key %q is listed twice.", k.ID)
			}
			keys[k.ID] = true
		}
		if m.Role == RoleParty {
			parties++
		}
	}
	if parties == 0 {
		return Errorf(EINVALID, "A charter names at least one party.")
	}
	if c.Determiners != nil {
		if err := c.Determiners.Validate(); err != nil {
			return err
		}
	}
	if c.Witnesses != nil {
		return c.Witnesses.validate(c)
	}
	return nil
}

// Member returns the member with the given id, or nil.
func (c *Charter) Member(id string) *Member {
	for i := range c.Members {
		if c.Members[i].ID == id {
			return &c.Members[i]
		}
	}
	return nil
}

// KeyAdd is the body of a key.add statement: a member registers a further
// key for itself. The statement carries two signatures: first by a key the
// member already has, then by the new key, which proves that the member
// holds it (nobody can register another's public key to block it).
type KeyAdd struct {
	Key PublicKey `json:"key"`
}

// Validate checks the key.
func (k *KeyAdd) Validate() error {
	_, err := k.Key.Decode()
	return err
}

// KeyRevoke is the body of a key.revoke statement. A member may revoke its
// own keys; the mediator may revoke any member's key, e.g. one reported
// stolen. A revoked key signs nothing that comes after it in the log.
type KeyRevoke struct {
	Member string `json:"member"`
	KeyID  string `json:"key_id"`
	Reason string `json:"reason"`
}

// Validate checks the fields.
func (k *KeyRevoke) Validate() error {
	if err := ValidateMemberID(k.Member); err != nil {
		return err
	}
	if !validKeyID(k.KeyID) {
		return Errorf(EINVALID, "key_id %q is not a Truce key id.", k.KeyID)
	}
	return validateText("reason", k.Reason, 2000, true)
}
