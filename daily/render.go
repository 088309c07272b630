package daily

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// JSON writes the report as indented JSON.
func (r *Report) JSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// Markdown writes the report as GitHub-flavoured Markdown.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Daily report, %s\n\n", r.Date)
	if r.Title != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(r.Title))
	}
	fmt.Fprintf(&b, "%s\n\n", r.summary())
	for _, t := range r.tables() {
		if len(t.Rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n| %s | %s | %s | %s |\n|---|--:|--:|--:|\n", t.Title, t.Key, r.Date, r.Previous, r.windowLabel())
		for _, row := range t.Rows {
			fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", mdEscape(row.Key), row.Day, row.Previous, row.Window)
		}
		b.WriteString("\n")
	}
	b.WriteString("## New determinations\n\n")
	if len(r.Determinations) == 0 {
		b.WriteString("None.\n\n")
	}
	for _, d := range r.Determinations {
		fmt.Fprintf(&b, "- %s (log index %d) by %s on incident %s", d.Sentence(), d.Index, mdEscape(d.Signer), short(d.Incident))
		if d.Text != "" {
			fmt.Fprintf(&b, ": %s", mdEscape(d.Text))
		}
		b.WriteString("\n")
	}
	if len(r.Determinations) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Incidents of %s\n\n", r.Date)
	if len(r.Incidents) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| start | incident | act | accused | grade | place |\n|---|---|---|---|---|---|\n")
		for _, l := range r.Incidents {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", l.Start.Format("15:04"), short(l.ID), mdEscape(l.Act),
				mdEscape(strings.Join(l.Accused, ", ")), mdEscape(l.gradeStatus()), mdEscape(l.Place))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps text from breaking a table or turning into markup or
// HTML: the characters that start emphasis, code, links, tags, entities
// and cells are backslash-escaped, and line breaks become spaces.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_[]<>|~&", c):
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func (r *Report) summary() string {
	s := fmt.Sprintf("%d incidents began on %s (%d the day before); %d in the window so far", r.Total.Day, r.Date, r.Total.Previous, r.Total.Window)
	if r.WindowFrom != nil {
		s += fmt.Sprintf(", since %s", r.WindowFrom.Format(time.RFC3339))
	}
	if r.Agreement != "" {
		s += fmt.Sprintf(" (agreement %s)", r.Agreement)
	}
	return s + fmt.Sprintf("; new determinations: %d.", len(r.Determinations))
}

func (r *Report) windowLabel() string {
	if r.WindowFrom != nil {
		return "window since " + r.WindowFrom.Format(time.DateOnly)
	}
	return "all until " + r.Date
}

// Sentence says the finding in words: "breach by ru (clauses E3)".
func (d *NewDetermination) Sentence() string {
	s := strings.ReplaceAll(d.Finding, "_", " ")
	if d.Party != "" {
		s += " by " + d.Party
	}
	if len(d.Clauses) > 0 {
		s += " (clauses " + strings.Join(d.Clauses, ", ") + ")"
	}
	return s
}

func (l Line) gradeStatus() string {
	if l.Status != "" {
		return l.Grade + ", " + l.Status
	}
	return l.Grade
}

// table is one breakdown of the counts.
type table struct {
	Title, Key string
	Rows       []Row
}

func (r *Report) tables() []table {
	return []table{
		{"By party accused", "party", r.ByParty},
		{"By category of the nearest protected site", "category", r.ByCategory},
		{"By grade", "grade", r.ByGrade},
		{"By status", "status", r.ByStatus},
	}
}

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"short": short,
	"hhmm":  func(t time.Time) string { return t.Format("15:04") },
	"join":  strings.Join,
	"bar": func(n, max int) int {
		if max == 0 {
			return 0
		}
		return n * 240 / max
	},
	"add": func(a, b int) int { return a + b },
	"mul": func(a, b int) int { return a * b },
}).Parse(htmlSource))

// chart is one table with the scale of its bars.
type chart struct {
	table
	Max int
}

// HTML writes the report as a standalone, printable HTML document with
// its charts as inline SVG. Every text is escaped by html/template.
func (r *Report) HTML(w io.Writer) error {
	var charts []chart
	for _, t := range r.tables() {
		if len(t.Rows) == 0 {
			continue
		}
		c := chart{table: t}
		for _, row := range t.Rows {
			c.Max = max(c.Max, row.Day, row.Previous)
		}
		charts = append(charts, c)
	}
	return htmlTemplate.Execute(w, struct {
		*Report
		Summary string
		Window  string
		Charts  []chart
	}{r, r.summary(), r.windowLabel(), charts})
}
