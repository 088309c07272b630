package truce

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// # The feed
//
// The feed is what happens, as it happens: a statement applied to the
// projection, an incident that a statement changed, and an incident whose
// reply deadline passed without a reply. Each subscriber sees only what
// its reader may see: statements by [Reader.SeesStatement], incidents in
// full for a full reader, otherwise the public view if the publication
// policy shows them.

// Event types.
const (
	// EventStatement: a statement was applied; its data is the [Record]
	// (without the envelope).
	EventStatement = "statement"
	// EventIncident: an incident changed, or its reply deadline passed
	// (status "overdue"); its data is the [Incident] as the reader may see
	// it, with Status as of the event.
	EventIncident = "incident"
	// EventGap: events between the subscriber's last event and the first
	// one that follows are no longer held (or were never held by this run
	// of the service); the client catches up with the listing endpoints.
	EventGap = "gap"
)

// EventID orders the feed. Index is the log index of the statement that
// caused the event; for an overdue incident, the last index applied when
// the deadline passed. Seq is 0 for the statement's own event and counts
// the other events at that index from 1. Its text is "INDEX" when Seq is
// 0 and "INDEX.SEQ" otherwise.
type EventID struct {
	Index uint64
	Seq   uint32
}

// String returns the id's text.
func (id EventID) String() string {
	if id.Seq == 0 {
		return strconv.FormatUint(id.Index, 10)
	}
	return strconv.FormatUint(id.Index, 10) + "." + strconv.FormatUint(uint64(id.Seq), 10)
}

// Less reports whether id comes before o.
func (id EventID) Less(o EventID) bool {
	return id.Index < o.Index || id.Index == o.Index && id.Seq < o.Seq
}

// ParseEventID parses an event id's text, as a client sends it back in
// Last-Event-ID. Errors are EINVALID.
func ParseEventID(s string) (EventID, error) {
	if len(s) > 32 {
		return EventID{}, Errorf(EINVALID, "An event id is INDEX or INDEX.SEQ, at most 32 characters.")
	}
	is, ss, dotted := strings.Cut(s, ".")
	index, err := strconv.ParseUint(is, 10, 64)
	if err != nil || is == "" || is[0] == '+' {
		return EventID{}, Errorf(EINVALID, "Event id %q is not INDEX or INDEX.SEQ.", s)
	}
	if !dotted {
		return EventID{Index: index}, nil
	}
	seq, err := strconv.ParseUint(ss, 10, 32)
	if err != nil || seq == 0 || ss[0] == '+' || ss[0] == '0' {
		return EventID{}, Errorf(EINVALID, "Event id %q is not INDEX or INDEX.SEQ with SEQ from 1.", s)
	}
	return EventID{Index: index, Seq: uint32(seq)}, nil
}

// Event is one item of the feed, as one reader sees it.
type Event struct {
	ID   EventID         `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// MarshalJSON writes the id as its text.
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID   string          `json:"id"`
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}{e.ID.String(), e.Type, e.Data})
}

// Gap is the data of an [EventGap] event.
type Gap struct {
	// After is the id the subscriber resumed after.
	After string `json:"after,omitempty"`
	// Next is the log index to list statements from (GET
	// /v1/statements?from=Next) to catch up.
	Next uint64 `json:"next"`
}

// FeedFilter selects events. The zero filter selects every event the
// reader may see.
type FeedFilter struct {
	// Kinds, if set, are the statement kinds and "incident" to keep.
	Kinds []string `json:"kinds,omitempty"`
	// Party, if set, keeps statements it signed or reports accusing it,
	// and incidents that accuse it or assess its terms.
	Party string `json:"party,omitempty"`
	// BBox, if set (west, south, east, north in degrees), keeps the events
	// with a place inside it: reports and incidents, at the place the
	// reader sees (coarsened for the public).
	BBox *[4]float64 `json:"bbox,omitempty"`
}

// maxFilterKinds bounds how many kinds a filter lists.
const maxFilterKinds = 32

// Check returns EINVALID if the filter is malformed.
func (f *FeedFilter) Check() error {
	if len(f.Kinds) > maxFilterKinds {
		return Errorf(EINVALID, "A filter lists at most %d kinds.", maxFilterKinds)
	}
	for _, k := range f.Kinds {
		if k != EventIncident && !slices.Contains(Kinds(), Kind(k)) {
			return Errorf(EINVALID, "Kind %q is neither a statement kind nor %q.", k, EventIncident)
		}
	}
	if len(f.Party) > 64 {
		return Errorf(EINVALID, "A party id is at most 64 characters.")
	}
	if b := f.BBox; b != nil {
		for _, v := range b {
			if v != v || v < -180 || v > 180 {
				return Errorf(EINVALID, "A bbox takes four finite degrees, west, south, east, north.")
			}
		}
		if b[0] > b[2] || b[1] > b[3] || b[1] < -90 || b[3] > 90 {
			return Errorf(EINVALID, "A bbox is west, south, east, north, with west <= east and -90 <= south <= north <= 90.")
		}
	}
	return nil
}

// Feed is the live feed of a deployment.
type Feed interface {
	// Subscribe returns the events after after (nil: only those to come)
	// that the reader ctx carries may see and f selects. Returns EINVALID
	// for a malformed filter. The subscription keeps that reader: whoever
	// serves it checks that the reader still holds before handing on
	// each batch (the HTTP server re-checks the stream's token).
	Subscribe(ctx context.Context, f FeedFilter, after *EventID) (Subscription, error)
}

// Subscription is one subscriber's place in the feed.
type Subscription interface {
	// Next returns the next events, at most max, waiting until there is at
	// least one or ctx ends. It returns EUNAVAILABLE once the subscriber
	// has fallen so far behind that the feed no longer holds its next
	// event: it resumes with the id of the last event it got.
	Next(ctx context.Context, max int) ([]Event, error)
	// Close releases the subscription.
	Close()
}

// Webhook is a member's registration of a URL to which the service
// delivers the feed's events.
//
// A hook reads as its member with the key that registered it: each
// delivery carries only what that reader may see at the moment of the
// delivery, so once the charter in force no longer names the member, or
// the key is revoked, the hook gets what the public gets.
type Webhook struct {
	ID     string `json:"id"`
	Member string `json:"member"`
	// Key is the id of the key whose token registered the hook; empty for
	// a registration made before keys were recorded, which follows its
	// member only.
	Key     string     `json:"key,omitempty"`
	URL     string     `json:"url"`
	Filter  FeedFilter `json:"filter"`
	Created time.Time  `json:"created"`
}

// MaxWebhooksPerMember bounds a member's registrations.
const MaxWebhooksPerMember = 16

// CheckWebhookURL returns EINVALID unless u is an absolute http or https
// URL with a host and without user information.
func CheckWebhookURL(u string) error {
	if len(u) > 2048 {
		return Errorf(EINVALID, "A webhook URL is at most 2048 bytes.")
	}
	p, err := url.Parse(u)
	if err != nil {
		return Errorf(EINVALID, "Webhook URL %q does not parse.", u)
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return Errorf(EINVALID, "A webhook URL must be http or https, not %q.", p.Scheme)
	}
	if p.Host == "" || p.Hostname() == "" {
		return Errorf(EINVALID, "Webhook URL %q has no host.", u)
	}
	if p.User != nil {
		return Errorf(EINVALID, "A webhook URL may not carry user information.")
	}
	return nil
}

// WebhookStore keeps webhook registrations. They are not part of the
// projection: Store.Reset leaves them.
type WebhookStore interface {
	// CreateWebhook records h. Returns ECONFLICT if its id exists.
	CreateWebhook(ctx context.Context, h Webhook) error
	// Webhooks returns every registration, ordered by id.
	Webhooks(ctx context.Context) ([]Webhook, error)
	// DeleteWebhook deletes member's registration id, or returns
	// ENOTFOUND (also when another member registered it).
	DeleteWebhook(ctx context.Context, member, id string) error
}

// Webhooks manages members' webhooks.
type Webhooks interface {
	// CreateWebhook registers h.URL and h.Filter for the member that the
	// reader of ctx is, with the reader's key, and returns the
	// registration. Returns EUNAUTHORIZED for the public, EINVALID for a
	// URL that is not http(s) or a malformed filter, ECONFLICT beyond
	// MaxWebhooksPerMember, however many registrations run at once.
	CreateWebhook(ctx context.Context, h Webhook) (*Webhook, error)
	// ListWebhooks returns the reader's registrations. EUNAUTHORIZED for
	// the public.
	ListWebhooks(ctx context.Context) ([]Webhook, error)
	// DeleteWebhook deletes one of the reader's registrations, or returns
	// ENOTFOUND. EUNAUTHORIZED for the public.
	DeleteWebhook(ctx context.Context, id string) error
}

// WebhookSignatureContext separates webhook signatures from statement and
// token signatures.
const WebhookSignatureContext = "truce-webhook-v1\n"

// WebhookSigned returns the bytes a webhook delivery's signature covers:
// WebhookSignatureContext, the Unix time in decimal, a newline, the body.
func WebhookSigned(unix int64, body []byte) []byte {
	return fmt.Appendf([]byte(WebhookSignatureContext), "%d\n%s", unix, body)
}

// VerifyWebhook checks a delivery's Truce-Signature header against body
// and the operator's public key, and that its time is within tolerance of
// now. Errors are EUNAUTHORIZED.
func VerifyWebhook(pub ed25519.PublicKey, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var t int64
	var sig []byte
	var err error
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t, err = strconv.ParseInt(v, 10, 64)
		case "sig":
			sig, err = base64.StdEncoding.DecodeString(v)
		}
		if err != nil {
			return Errorf(EUNAUTHORIZED, "Truce-Signature: bad %s.", k)
		}
	}
	if sig == nil || t == 0 {
		return Errorf(EUNAUTHORIZED, "Truce-Signature needs t and sig.")
	}
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return Errorf(EUNAUTHORIZED, "Truce-Signature is %v away from now.", d)
	}
	if !ed25519.Verify(pub, WebhookSigned(t, body), sig) {
		return Errorf(EUNAUTHORIZED, "Truce-Signature does not verify.")
	}
	return nil
}
