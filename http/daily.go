package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/daily"
)

// handleDaily answers GET /v1/daily?date=YYYY-MM-DD&agreement=ID&format=json|md|html:
// the daily report of package daily over the incidents the caller may
// read, counted against the window of the agreement (by default the
// first).
func (s *Server) handleDaily(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	day, err := time.Parse(time.DateOnly, v.Get("date"))
	if err != nil {
		writeError(w, r, s.Logger, truce.Errorf(truce.EINVALID, "Query parameter date=%q is not a day such as 2025-03-20.", v.Get("date")))
		return
	}
	format := v.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "md" && format != "html" {
		writeError(w, r, s.Logger, truce.Errorf(truce.EINVALID, "Query parameter format=%q is not one of json, md, html.", format))
		return
	}
	rep, err := s.dailyReport(r, day, v.Get("agreement"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	var b bytes.Buffer
	switch format {
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		err = rep.Markdown(&b)
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		err = rep.HTML(&b)
	default:
		w.Header().Set("Content-Type", "application/json")
		err = rep.JSON(&b)
	}
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.Write(b.Bytes())
}

// dailyReport computes the report of day over the agreement's window.
func (s *Server) dailyReport(r *http.Request, day time.Time, agreement string) (*daily.Report, error) {
	opt := daily.Options{Date: day, Agreement: agreement}
	ags, err := s.Ledger.Agreements(r.Context())
	if err != nil {
		return nil, err
	}
	for _, a := range ags {
		if (agreement == "" || a.ID == agreement) && len(a.Versions) > 0 {
			opt.Agreement, opt.Title = a.ID, a.Versions[len(a.Versions)-1].Agreement.Title
			opt.WindowFrom = a.Versions[0].Agreement.Window.From
			for _, v := range a.Versions {
				if v.Agreement.Window.From.Before(opt.WindowFrom) {
					opt.WindowFrom = v.Agreement.Window.From
				}
			}
			break
		}
	}
	if agreement != "" && opt.Title == "" {
		return nil, truce.Errorf(truce.ENOTFOUND, "Agreement %q not found.", agreement)
	}
	from, to := day.AddDate(0, 0, -1), day.AddDate(0, 0, 1).Add(-time.Nanosecond)
	if !opt.WindowFrom.IsZero() && opt.WindowFrom.Before(from) {
		from = opt.WindowFrom
	}
	var incs []daily.Incident
	err = s.eachIncident(r, truce.IncidentQuery{From: &from, To: &to}, func(inc *truce.Incident) error {
		// Through JSON, so that the report reads every field the API shows.
		data, err := json.Marshal(inc)
		if err != nil {
			return err
		}
		var d daily.Incident
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		incs = append(incs, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return daily.Compute(incs, opt), nil
}

// Daily returns the daily report of a day (query: date, agreement).
func (c *Client) Daily(ctx context.Context, query url.Values) (*daily.Report, error) {
	query.Set("format", "json")
	var rep daily.Report
	_, err := c.do(ctx, http.MethodGet, "/v1/daily?"+query.Encode(), nil, &rep)
	return &rep, err
}
