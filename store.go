package truce

import (
	"context"
	"time"
)

// Status is the projector's verdict on a statement at its log position.
type Status string

const (
	// StatusAccepted statements take effect.
	StatusAccepted Status = "accepted"
	// StatusRejected statements stay in the log, and the projection ignores
	// them: at their position, their key or role did not allow them.
	StatusRejected Status = "rejected"
)

// Record is a statement as the projection holds it.
type Record struct {
	Index  uint64    `json:"index"`
	ID     string    `json:"id"`
	Kind   Kind      `json:"kind"`
	Signer string    `json:"signer"`
	KeyID  string    `json:"key_id"`
	Time   time.Time `json:"time"`
	// Envelope is the canonical envelope. It is the log entry unless
	// Sealed is set; for an entry that is not a statement, it is the entry.
	Envelope []byte `json:"-"`
	// Sealed is set when the log holds the statement as a commitment to it
	// (see [Leaf]) rather than as its envelope.
	Sealed bool   `json:"sealed,omitempty"`
	Status Status `json:"status"`
	// Reason says why a rejected statement was rejected.
	Reason string `json:"reason,omitempty"`
	// Withheld is set when the reader may not read the statement: the
	// record then holds only what the public log shows of it.
	Withheld bool `json:"withheld,omitempty"`
}

// NewRecord returns the record of st at index with the verdict of err,
// which is nil for an accepted statement.
func NewRecord(st *Statement, index uint64, err error) Record {
	r := Record{
		Index: index, ID: st.ID, Kind: st.Payload.Kind, Signer: st.Payload.Signer,
		KeyID: st.Envelope.Signatures[0].KeyID, Time: st.Payload.Time.UTC(),
		Envelope: st.Raw, Status: StatusAccepted,
	}
	if err != nil {
		r.Status, r.Reason = StatusRejected, ErrorMessage(err)
	}
	return r
}

// Leaf returns the log entry of the record: the commitment to the
// statement if it is sealed, and otherwise its envelope.
func (r *Record) Leaf() []byte {
	if r.Sealed {
		return Commitment(r.Kind, r.ID)
	}
	return r.Envelope
}

// Batch is what the projector applies in one transaction: the records of
// consecutive log entries and the authority changes they made.
type Batch struct {
	Records []Record
	Members []MemberState
	Keys    []Key
	// Agreements are upserted by agreement id and version.
	Agreements []AgreementVersion
	// Sites are upserted by id; SiteEvents are appended to their history.
	Sites      []SiteState
	SiteEvents []SiteEvent
	// Reports and Incidents are upserted by id.
	Reports   []ReportState
	Incidents []Incident
	// Bulletins are upserted by id.
	Bulletins []BulletinState
}

// Store holds the projection of the log. Every method is one transaction.
// Implementations: sqlite, postgres; storetest holds their shared suite.
type Store interface {
	// Size returns how many log entries the projection covers: the index of
	// the next entry to apply.
	Size(ctx context.Context) (uint64, error)

	// Apply persists b atomically. Its records must start at Size and be
	// consecutive; otherwise it returns ECONFLICT and writes nothing.
	// Members and keys are upserted by id.
	Apply(ctx context.Context, b Batch) error

	// Statement returns the record with the given id, or ENOTFOUND.
	Statement(ctx context.Context, id string) (*Record, error)

	// Seen returns, for each of ids that the projection holds, the index of
	// its first record, so that the projector can refuse a replay.
	Seen(ctx context.Context, ids []string) (map[string]uint64, error)

	// Charter returns the id of the latest accepted charter, or "" if none.
	Charter(ctx context.Context) (string, error)

	// Statements returns up to limit records from index from on, in log order.
	Statements(ctx context.Context, from uint64, limit int) ([]Record, error)

	// Members returns every member ever chartered, ordered by id.
	Members(ctx context.Context) ([]MemberState, error)

	// Keys returns every key ever registered, ordered by id.
	Keys(ctx context.Context) ([]Key, error)

	// Agreements returns every agreement version, ordered by agreement id
	// and version.
	Agreements(ctx context.Context) ([]AgreementVersion, error)

	// Sites returns every site ever declared, ordered by id.
	Sites(ctx context.Context) ([]SiteState, error)

	// SiteEvents returns the history of a site in log order; empty for an
	// unknown site.
	SiteEvents(ctx context.Context, site string) ([]SiteEvent, error)

	// Reports returns the state of every report, ordered by id.
	Reports(ctx context.Context) ([]ReportState, error)

	// Incidents returns every incident, ordered by id.
	Incidents(ctx context.Context) ([]Incident, error)

	// Bulletins returns every bulletin with its acknowledgements, in log
	// order.
	Bulletins(ctx context.Context) ([]BulletinState, error)

	// Envelopes calls fn with the envelope of every accepted statement of
	// kind, in log order, stopping at fn's first error. fn may keep the
	// envelope: it is not reused.
	Envelopes(ctx context.Context, kind Kind, fn func(envelope []byte) error) error

	// Reset deletes the whole projection, so that the log can be replayed.
	Reset(ctx context.Context) error

	// Close releases the store.
	Close() error
}
