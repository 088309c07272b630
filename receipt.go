package truce

import (
	"context"
	"encoding/json"
	"time"
)

// Receipt is the proof that a statement is in the log: its index, the log
// entry, a signed checkpoint whose tree includes it, and the inclusion
// proof against that checkpoint. Anyone holding the log's verifier key can
// check it without Truce code.
type Receipt struct {
	ID     string `json:"id"`
	Index  uint64 `json:"index"`
	Kind   Kind   `json:"kind"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Leaf is the log entry at Index, whose inclusion the proof proves: the
	// canonical envelope, or the commitment to it (see [Leaf]). Check it
	// with [LeafOf] against the id of the statement you hold.
	Leaf []byte `json:"leaf"`
	// Checkpoint is the signed note of a checkpoint that includes Index.
	Checkpoint string `json:"checkpoint"`
	// TreeSize is the size of that checkpoint's tree.
	TreeSize uint64 `json:"tree_size"`
	// InclusionProof is the RFC 6962 audit path from the leaf to the root.
	InclusionProof [][]byte `json:"inclusion_proof"`
	// Witnessing says which of the charter's witnesses cosigned the
	// checkpoint (their cosignatures are in it) and whether the charter's
	// policy is met. Absent when the log cannot tell.
	Witnessing *Witnessing `json:"witnessing,omitempty"`
}

// MemberView is a member with its keys, as GET /v1/members shows it.
type MemberView struct {
	MemberState
	Keys []Key `json:"keys"`
}

// Ledger is the service the HTTP API serves: the write path and reads of
// the projection. The service package implements it.
type Ledger interface {
	// Submit checks a statement, appends it to the log and applies it, and
	// returns its receipt once a published checkpoint includes it. created
	// is false when the statement was already in the log; nothing is then
	// written. Errors are those of ParseStatement and Authority.Check, and
	// EINVALID for a claimed time too far ahead of the server's clock.
	Submit(ctx context.Context, envelope []byte) (r *Receipt, created bool, err error)

	// Receipt returns the receipt of a statement against the latest
	// checkpoint, or ENOTFOUND.
	Receipt(ctx context.Context, id string) (*Receipt, error)

	// Statement returns the record of a statement, or ENOTFOUND.
	Statement(ctx context.Context, id string) (*Record, error)

	// Statements returns up to limit records from index from, in log order.
	Statements(ctx context.Context, from uint64, limit int) ([]Record, error)

	// Members returns the members with their keys, ordered by id.
	Members(ctx context.Context) ([]MemberView, error)

	// Agreements returns every agreement with its versions, by id.
	Agreements(ctx context.Context) ([]AgreementHistory, error)

	// Agreement returns one agreement, or ENOTFOUND. With at, it also says
	// which version binds each party at that time.
	Agreement(ctx context.Context, id string, at *time.Time) (*AgreementHistory, error)

	// Sites returns the sites q selects. Returns EINVALID for a malformed
	// query.
	Sites(ctx context.Context, q SiteQuery) (*SiteResult, error)

	// Site returns a site with its history, or ENOTFOUND.
	Site(ctx context.Context, id string) (*SiteHistory, error)

	// SiteHashes returns the hash of each site with one of ids that the
	// registry holds, retired or not.
	SiteHashes(ctx context.Context, ids []string) (map[string]string, error)

	// Incidents returns the incidents q selects. Returns EINVALID for a
	// malformed query.
	Incidents(ctx context.Context, q IncidentQuery) (*IncidentResult, error)

	// IncidentsJSON is Incidents with each incident in its JSON encoding,
	// for a server to write as it is.
	IncidentsJSON(ctx context.Context, q IncidentQuery) (*IncidentPage, error)

	// Incident returns one incident, or ENOTFOUND.
	Incident(ctx context.Context, id string) (*Incident, error)

	// Report returns a report statement's record, its body and the id of its
	// incident, or ENOTFOUND.
	Report(ctx context.Context, id string) (*ReportView, error)

	// Authenticate returns the reader that a bearer token proves, or
	// EUNAUTHORIZED saying why it does not.
	Authenticate(ctx context.Context, token string) (Reader, error)

	// Messages serves inboxes and bulletins.
	Messages
}

// Every read method of a Ledger answers the reader that its context
// carries (see [WithReader]), the public when it carries none: what a
// reader may not see is ENOTFOUND or left out, never an error that tells
// it exists.

// IncidentQuery selects incidents. The zero query selects all, oldest
// first.
type IncidentQuery struct {
	// From and To, if set, select incidents whose span meets [From, To].
	From, To *time.Time
	// BBox, if set, is west, south, east, north in degrees.
	BBox *[4]float64
	// Party selects incidents that accuse it or assess its terms.
	Party string
	// Grade, Clause and Site select by assessment.
	Grade  Grade
	Clause string
	Site   string
	// Status selects incidents whose status, as the reader sees it when it
	// asks (see [Incident.StatusAt]), is this one.
	Status IncidentStatus
	// After continues a listing after this incident id (from Next).
	After string
	// Limit caps the result; 0 means DefaultIncidentLimit.
	Limit int
}

// Incident query limits.
const (
	DefaultIncidentLimit = 100
	MaxIncidentLimit     = 1000
)

// IncidentResult is a page of incidents, ordered by start, then id.
type IncidentResult struct {
	Incidents []Incident `json:"incidents"`
	// Next, if set, is the After of the next page.
	Next string `json:"next,omitempty"`
}

// IncidentPage is an IncidentResult whose incidents are encoded.
type IncidentPage struct {
	Incidents []json.RawMessage `json:"incidents"`
	Next      string            `json:"next,omitempty"`
}

// ReportView is a report as GET /v1/reports/{id} shows it.
type ReportView struct {
	Record
	Report    *Report `json:"report"`
	Incident  string  `json:"incident,omitempty"`
	Retracted bool    `json:"retracted,omitempty"`
}

// AgreementHistory is an agreement's versions and when each binds whom.
type AgreementHistory struct {
	ID       string             `json:"id"`
	Versions []AgreementVersion `json:"versions"`
	Periods  []Period           `json:"periods"`
	// At, InForce and NotBound answer a question about one time: which
	// version bound each party then, and which parties none bound.
	At       *time.Time `json:"at,omitempty"`
	InForce  []InForce  `json:"in_force,omitempty"`
	NotBound []string   `json:"not_bound,omitempty"`
}

// SiteQuery selects sites of the registry. The zero query selects every
// site not retired.
type SiteQuery struct {
	// BBox, if set, is west, south, east, north in degrees.
	BBox *[4]float64
	// Near, if set, selects sites within Metres of it, nearest first.
	Near   *Position
	Metres float64
	// Categories selects sites whose category one of them covers.
	Categories []Category
	// At, if set, selects the sites protected at that time, retired or not
	// since; without it, the sites not retired now.
	At         *time.Time
	Controller string
	// Limit caps the result; 0 means DefaultSiteLimit.
	Limit int
}

// Site query limits.
const (
	DefaultSiteLimit = 1000
	MaxSiteLimit     = 10000
)

// SiteResult is the answer to a SiteQuery.
type SiteResult struct {
	Sites []SiteHit `json:"sites"`
	// Truncated is set when more sites matched than Limit.
	Truncated bool `json:"truncated"`
}

// SiteHit is a site a query found, with its distance for a Near query.
type SiteHit struct {
	SiteState
	Metres *float64 `json:"distance_m,omitempty"`
}

// SiteHistory is a site with every statement that concerned it.
type SiteHistory struct {
	SiteState
	History []SiteEvent `json:"history"`
}
