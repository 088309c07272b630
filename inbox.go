package truce

import (
	"context"
	"time"
)

// Inbox is what awaits one member: the incidents it must reply to, the
// bulletins it must acknowledge and the incidents it may determine.
type Inbox struct {
	Member string `json:"member"`
	Role   Role   `json:"role"`
	// Reply are the incidents that accuse the member and await its reply
	// (awaiting_reply or overdue), earliest deadline first.
	Reply []InboxIncident `json:"reply"`
	// Acknowledge are the bulletins addressed to the member that ask for
	// an acknowledgement it has not given, in log order.
	Acknowledge []BulletinState `json:"acknowledge"`
	// Determine are, for a mediator or a monitor, the incidents with a
	// protected site within reach that are not determined yet and that
	// the member has not determined itself, oldest first.
	Determine []InboxIncident `json:"determine"`
	// Truncated is set when a list was cut at MaxIncidentLimit.
	Truncated bool `json:"truncated,omitempty"`
}

// InboxIncident is an incident as an inbox lists it.
type InboxIncident struct {
	ID      string         `json:"id"`
	Start   time.Time      `json:"start"`
	Act     Act            `json:"act"`
	Place   string         `json:"place,omitempty"`
	Accused []string       `json:"accused"`
	Grade   Grade          `json:"grade"`
	Status  IncidentStatus `json:"status"`
	// Deadline is the reply deadline, if one runs.
	Deadline *time.Time `json:"reply_deadline,omitempty"`
	// Sites are the names of the protected sites within reach.
	Sites []string `json:"sites"`
}

// NewInboxIncident summarizes inc as a reader sees it at now.
func NewInboxIncident(inc *Incident, now time.Time) InboxIncident {
	sites := make([]string, len(inc.Assessment.Sites))
	for i, s := range inc.Assessment.Sites {
		sites[i] = s.Name
	}
	return InboxIncident{ID: inc.ID, Start: inc.Start, Act: inc.Act, Place: inc.Where.Place, Accused: inc.Accused,
		Grade: inc.Assessment.Grade, Status: inc.StatusAt(now), Deadline: inc.Assessment.ReplyDeadline, Sites: sites}
}

// Messages is the part of a [Ledger] that serves members what is
// addressed to them. Like every read, it answers the reader that its
// context carries.
type Messages interface {
	// Inbox returns what awaits the reader. Returns EUNAUTHORIZED for the
	// public: an inbox needs a token.
	Inbox(ctx context.Context) (*Inbox, error)

	// Bulletins returns every bulletin with its acknowledgements, in log
	// order. Returns EUNAUTHORIZED for the public and EFORBIDDEN for a
	// reader that does not read everything shared with members.
	Bulletins(ctx context.Context) ([]BulletinState, error)

	// Bulletin returns one bulletin, or ENOTFOUND; the errors of Bulletins
	// otherwise.
	Bulletin(ctx context.Context, id string) (*BulletinState, error)
}
