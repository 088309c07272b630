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
	// UpdatedAt is the log index of the last report or retraction that
	// changed the incident.
	UpdatedAt uint64 `json:"updated_at"`
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
