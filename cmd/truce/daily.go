package main

import (
	"context"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/truce-project/truce/daily"
)

func (m *Main) runDaily(ctx context.Context, args []string) error {
	fs := m.flagSet("daily", "daily [--server URL] [--date YYYY-MM-DD] [--format md|html|json] [--agreement ID] [--out FILE]",
		"Writes the daily report of a day: the incidents that began that day (UTC) counted by party\n"+
			"accused, category of the nearest protected site, grade and status, against the day before\n"+
			"and the agreement's window so far, with the determinations made that day. It is the report\n"+
			"of the web interface's daily page: as the public reads it, or with --key as that member.")
	server := m.serverFlag(fs)
	date := fs.String("date", "", "the day, YYYY-MM-DD (default: today in UTC)")
	format := fs.String("format", "md", "md (Markdown), html (a printable page) or json")
	agreement := fs.String("agreement", "", "the agreement whose window is counted (default: the first)")
	out := fs.String("out", "", "write the report to this file (default: standard output)")
	key := fs.String("key", "", "a member's key file: count what that member reads (default: $TRUCE_TOKEN's reader, or the public)")
	if err := parse(fs, args); err != nil {
		return err
	}
	day := m.Now().UTC()
	if *date != "" {
		var err error
		if day, err = time.Parse(time.DateOnly, *date); err != nil {
			return usagef("daily: --date %q is not a day such as 2025-03-20", *date)
		}
	}
	var render func(*daily.Report, io.Writer) error
	switch *format {
	case "md":
		render = (*daily.Report).Markdown
	case "html":
		render = (*daily.Report).HTML
	case "json":
		render = (*daily.Report).JSON
	default:
		return usagef("daily: --format %q is not one of md, html, json", *format)
	}
	c, err := m.readClient(ctx, *server, *key)
	if err != nil {
		return err
	}
	q := url.Values{"date": {day.Format(time.DateOnly)}}
	if *agreement != "" {
		q.Set("agreement", *agreement)
	}
	rep, err := c.Daily(ctx, q)
	if err != nil {
		return err
	}
	if *out == "" {
		return render(rep, m.Stdout)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := render(rep, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
