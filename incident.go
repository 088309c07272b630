package truce

import "time"

// Incident groups the reports of one event: close in time and place, with
// compatible acts. The engine derives incidents from the log; nobody
// states them.
type Incident struct {
	// ID is the statement id of the incident's first report.
	ID      string           `json:"id"`
	Reports []IncidentReport `json:"reports"`
	// Start and End span the reports that count (not retracted).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Where is the place of the most precise report that counts.
	Where   Where    `json:"where"`
	Act     Act      `json:"act"`
	Accused []string `json:"accused"`
	// Assessment is the engine's reading of the incident against the
	// terms and the registry, as of UpdatedAt.
	Assessment Assessment `json:"assessment"`
	// Responses are the accused parties' replies, and Determinations the
	// determiners' findings, in log order.
	Responses      []IncidentResponse      `json:"responses"`
	Determinations []IncidentDetermination `json:"determinations"`
	// Determination is the finding the required determiners agree on, once
	// they do.
	Determination *Determined `json:"determination,omitempty"`
	// Status is where the incident stands in the process, as of UpdatedAt.
	// It is never StatusOverdue, which depends on the reader's clock: see
	// [Incident.StatusAt].
	Status IncidentStatus `json:"status"`
	// UpdatedAt is the log index of the last statement that changed the
	// incident.
	UpdatedAt uint64 `json:"updated_at"`
}

// IncidentStatus is where an incident stands in the process.
type IncidentStatus string

// The statuses, in the order an incident moves through them.
const (
	StatusOpen          IncidentStatus = "open"           // nobody to notify, or nothing protected within reach
	StatusAwaitingReply IncidentStatus = "awaiting_reply" // an accused party was notified; the deadline runs
	StatusOverdue       IncidentStatus = "overdue"        // the deadline passed without a reply
	StatusReplied       IncidentStatus = "replied"        // an accused party replied
	StatusDetermined    IncidentStatus = "determined"     // the determiners agree on a finding
	StatusPublished     IncidentStatus = "published"      // ... and agree to publish it
)

// IncidentStatuses returns the statuses in order.
func IncidentStatuses() []IncidentStatus {
	return []IncidentStatus{StatusOpen, StatusAwaitingReply, StatusOverdue, StatusReplied, StatusDetermined, StatusPublished}
}

// StatusAt returns the incident's status as a reader sees it at now: an
// incident awaiting a reply whose deadline has passed is overdue. The log
// has no clock, so the projection never stores that status itself.
func (inc *Incident) StatusAt(now time.Time) IncidentStatus {
	if inc.Status == StatusAwaitingReply && inc.Assessment.ReplyDeadline != nil && now.After(*inc.Assessment.ReplyDeadline) {
		return StatusOverdue
	}
	return inc.Status
}

// Published reports whether the determiners agreed to publish it.
func (inc *Incident) Published() bool { return inc.Status == StatusPublished }

// IncidentResponse is an accused party's reply, as the incident records it.
type IncidentResponse struct {
	Statement string     `json:"statement"`
	Index     uint64     `json:"index"`
	Party     string     `json:"party"`
	Time      time.Time  `json:"time"`
	Stance    Stance     `json:"stance"`
	Actor     string     `json:"actor,omitempty"`
	Text      string     `json:"text"`
	Evidence  []Evidence `json:"evidence"`
	// Late is set when the reply came after the reply deadline.
	Late bool `json:"late,omitempty"`
}

// IncidentDetermination is one determiner's finding, as the incident
// records it.
type IncidentDetermination struct {
	Statement string    `json:"statement"`
	Index     uint64    `json:"index"`
	Signer    string    `json:"signer"`
	Role      Role      `json:"role"`
	Time      time.Time `json:"time"`
	Finding   Finding   `json:"finding"`
	Party     string    `json:"party,omitempty"`
	Clauses   []string  `json:"clauses"`
	Publish   bool      `json:"publish"`
	Text      string    `json:"text"`
	// Superseded is set when the same determiner determined again later.
	Superseded bool `json:"superseded,omitempty"`
}

// Determined is the finding that the required determiners agree on.
type Determined struct {
	Finding Finding `json:"finding"`
	Party   string  `json:"party,omitempty"`
	// Clauses are those any agreeing determiner named, sorted.
	Clauses     []string `json:"clauses"`
	Publish     bool     `json:"publish"`
	Determiners []string `json:"determiners"`
	// Index is the log index of the determination that completed the
	// agreement.
	Index uint64 `json:"index"`
}

// IncidentReport is one report of an incident.
type IncidentReport struct {
	Statement  string     `json:"statement"`
	Index      uint64     `json:"index"`
	Signer     string     `json:"signer"`
	SourceKind SourceKind `json:"source_kind"`
	Time       time.Time  `json:"time"`
	Retracted  bool       `json:"retracted,omitempty"`
}

// Grade is how well an incident is corroborated.
type Grade string

// The grades, from least to most corroborated, and the two that stand
// apart.
const (
	GradeSingle       Grade = "single_source" // one reporting member
	GradeCorroborated Grade = "corroborated"  // several reporting members
	GradeImpartial    Grade = "impartial"     // a monitor or a sensor among them
	GradeContested    Grade = "contested"     // an accused party denied it with evidence
	GradeRetracted    Grade = "retracted"     // every report was withdrawn
)

// Assessment is the engine's mechanical reading of an incident.
type Assessment struct {
	// Parties says, for each party assessed (the accused, or every party
	// to an agreement when nobody is accused), which terms bound it.
	Parties []PartyTerms `json:"parties"`
	// Sites are the protected sites within reach, nearest first.
	Sites []SiteFinding `json:"sites"`
	Grade Grade         `json:"grade"`
	// ReplyDeadline is when an accused party's reply is due, if a protected
	// site is within reach and someone is accused.
	ReplyDeadline *time.Time `json:"reply_deadline,omitempty"`
	// Findings say the above in words a person can read.
	Findings []string `json:"findings"`
}

// PartyTerms is what bound one party at the incident's time.
type PartyTerms struct {
	Party     string     `json:"party"`
	Agreement string     `json:"agreement,omitempty"`
	Version   int        `json:"version,omitempty"`
	Since     *time.Time `json:"since,omitempty"`
	// Clauses are the clauses of that version that prohibit the act here.
	Clauses []string `json:"clauses"`
	// Reason says why no terms bound the party, if none did.
	Reason string `json:"reason,omitempty"`
}

// SiteFinding is a protected site within reach of an incident.
type SiteFinding struct {
	Site       string   `json:"site"`
	Name       string   `json:"name"`
	Category   Category `json:"category"`
	Controller string   `json:"controller"`
	// Metres is the distance from the incident's point to the site, rounded
	// to the metre; Reach is the report's uncertainty plus the category's
	// buffer.
	Metres float64 `json:"metres"`
	Reach  float64 `json:"reach"`
	// Clauses are "party:clause" pairs whose clause protects the site.
	Clauses []string `json:"clauses"`
	// Named is set when a report names the site as its target.
	Named bool `json:"named,omitempty"`
}
