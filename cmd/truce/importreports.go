package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/importer"
)

func (m *Main) runImportReports(ctx context.Context, args []string) error {
	fs := m.flagSet("import reports", "import reports --key KEYFILE --format ucdp|acled|csv [--accused ACTOR=MEMBER ...] [--from TIME] [--until TIME] [--server URL] [--dry-run] FILE",
		"Reads event records and submits each as a report signed with KEYFILE, the importing\n"+
			"member's key. A bad row stops the import and nothing from the file is written. Each\n"+
			"record's id becomes the report's client_ref, so importing a file again adds nothing.\n"+
			"Actors are not accused unless --accused maps them to a party: whom a dataset names\n"+
			"is not a finding. Formats:\n\n"+formatList(importer.ReportFormats()))
	key := fs.String("key", "", "the importing member's key file (required unless --dry-run)")
	format := fs.String("format", "", "ucdp, acled or csv (required)")
	server := m.serverFlag(fs)
	accused := stringMap{}
	fs.Var(accused, "accused", "an actor name in the file and the party it stands for, e.g. \"Government of Russia (Soviet Union)=ru\" (repeatable)")
	sourceKind := fs.String("source-kind", "osint", "the reports' source kind: osint, sensor, civil_society, monitor, party or mediator")
	from := fs.String("from", "", "keep only events from this time, RFC 3339")
	until := fs.String("until", "", "keep only events before this time, RFC 3339")
	dry := fs.Bool("dry-run", false, "read and check the file, submit nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *format == "" {
		return usagef("import reports: --format and one FILE are required")
	}
	opts := importer.ReportOptions{SourceKind: truce.SourceKind(*sourceKind), Accused: accused}
	var err error
	if opts.From, err = m.optionalTime("--from", *from); err != nil {
		return err
	}
	if opts.Until, err = m.optionalTime("--until", *until); err != nil {
		return err
	}
	res, err := readReports(fs.Arg(0), *format, opts)
	if err != nil {
		return err
	}
	for _, line := range res.Summary() {
		fmt.Fprintln(m.Stderr, line)
	}
	if *dry {
		fmt.Fprintf(m.Stdout, "%d reports read from %d rows; nothing submitted (--dry-run)\n", len(res.Reports), res.Rows)
		return nil
	}
	if *key == "" {
		return usagef("import reports: --key is required")
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	return m.submitReports(ctx, c, *key, res.Reports)
}

func (m *Main) optionalTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return m.parseTime(flag, v)
}

func readReports(path, format string, opts importer.ReportOptions) (*importer.ReportResult, error) {
	return readFile(path, func(r io.Reader) (*importer.ReportResult, error) { return importer.ReadReports(r, format, opts) })
}

// submitReports signs every report and submits them in one batch; a report
// already imported (same client_ref) counts as done.
func (m *Main) submitReports(ctx context.Context, c *thttp.Client, keyFile string, reports []truce.Report) error {
	s, err := truce.ReadSignerFile(keyFile)
	if err != nil {
		return err
	}
	sts, err := signReports(s, s.Log, m.Now().UTC().Truncate(time.Second), reports)
	if err != nil {
		return err
	}
	// A report whose client_ref the log has seen was imported before.
	added, again, err := submitAll(ctx, c, sts, func(p *thttp.Problem) bool {
		return p.Status == 409 && strings.Contains(p.Detail, "client_ref")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d reports read; %d logged; %d were imported before\n", len(reports), added, again)
	return nil
}

// signReports signs each report as a statement of s, claiming time t.
func signReports(s *truce.Signer, origin string, t time.Time, reports []truce.Report) ([]*truce.Statement, error) {
	out := make([]*truce.Statement, len(reports))
	for i := range reports {
		st, err := truce.Sign(s, origin, truce.KindReport, t, &reports[i])
		if err != nil {
			return nil, truce.Errorf(truce.ErrorCode(err), "Report %d (%s): %s", i+1, reports[i].ClientRef, truce.ErrorMessage(err))
		}
		out[i] = st
	}
	return out, nil
}
