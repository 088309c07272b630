package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/importer"
)

func (m *Main) runImport(ctx context.Context, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "sites":
		return m.runImportSites(ctx, args[1:])
	case len(args) > 0 && args[0] == "reports":
		return m.runImportReports(ctx, args[1:])
	case len(args) > 0 && (args[0] == "-h" || args[0] == "--help"):
		fmt.Fprintln(m.Stderr, "Usage: truce import sites|reports [flags] FILE\n\n"+
			"  sites    import a registry of protected sites\n"+
			"  reports  import event records (UCDP GED, ACLED, CSV) as reports\n\n"+
			"Run \"truce import sites -h\" or \"truce import reports -h\" for their flags.")
		return nil
	}
	return usagef("import: want \"truce import sites\" or \"truce import reports\"")
}

// stringMap collects repeated KEY=VALUE flags.
type stringMap map[string]string

func (f stringMap) String() string { return "" }

func (f stringMap) Set(v string) error {
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || k == "" || val == "" {
			return fmt.Errorf("want KEY=VALUE, e.g. UKR=ua")
		}
		f[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return nil
}

// formatList lists import formats for a command's help.
func formatList(formats []importer.Format) string {
	var b strings.Builder
	for _, f := range formats {
		fmt.Fprintf(&b, "  %-17s %s\n", f.Name, f.Description)
	}
	return b.String()
}

func (m *Main) runImportSites(ctx context.Context, args []string) error {
	fs := m.flagSet("import sites", "import sites --key KEYFILE --format FORMAT [--controller CC=MEMBER ...] [--server URL] [--dry-run] FILE",
		"Reads a registry of protected sites, checks every row (a bad row stops the import\n"+
			"and nothing from the file is written), and declares the new and changed sites in\n"+
			"site.batch statements signed with KEYFILE: a party's key for its own sites, or the\n"+
			"mediator's for any party's. Sites already in the registry unchanged are skipped, so\n"+
			"importing a file again changes nothing. Formats:\n\n"+formatList(importer.Formats()))
	key := fs.String("key", "", "the signer's key file (required unless --dry-run)")
	format := fs.String("format", "", "the file's format (required unless the extension tells it)")
	server := m.serverFlag(fs)
	controllers := stringMap{}
	fs.Var(controllers, "controller", "a country code and the party member that controls its sites, e.g. UKR=ua (repeatable)")
	def := fs.String("default-controller", "", "the party member that controls sites whose country is unmapped or unknown")
	source := fs.String("source", "", "the source's name, recorded with each site (default: the format's)")
	dry := fs.Bool("dry-run", false, "read and check the file, print what would be declared, submit nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("import sites: one FILE is required")
	}
	if *format == "" {
		*format = importer.FormatOf(fs.Arg(0))
	}
	if *format == "" {
		return usagef("import sites: --format is required for %s", fs.Arg(0))
	}
	res, err := readSites(fs.Arg(0), *format, importer.Options{Controllers: controllers, DefaultController: *def, Source: *source})
	if err != nil {
		return err
	}
	for _, line := range res.Summary() {
		fmt.Fprintln(m.Stderr, line)
	}
	if *dry {
		fmt.Fprintf(m.Stdout, "%d sites read from %d rows; nothing submitted (--dry-run)\n", len(res.Sites), res.Rows)
		return nil
	}
	if *key == "" {
		return usagef("import sites: --key is required")
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	return m.declareSites(ctx, c, *key, res.Sites)
}

func readSites(path, format string, opts importer.Options) (*importer.Result, error) {
	return readFile(path, func(r io.Reader) (*importer.Result, error) { return importer.Read(r, format, opts) })
}

// readFile opens path and reads it with read, naming the file in errors.
func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, truce.Errorf(truce.EINVALID, "Cannot read %s: %v.", path, err)
	}
	defer f.Close()
	res, err := read(f)
	if err != nil {
		return zero, truce.Errorf(truce.ErrorCode(err), "%s: %s", path, truce.ErrorMessage(err))
	}
	return res, nil
}

// submitAll submits signed statements in one batch, in order, and returns
// how many were logged now and how many were in the log before: the same
// statement again, or a refusal that before says means done already.
// Any other refusal, or a statement logged but rejected, is an error.
func submitAll(ctx context.Context, c *thttp.Client, sts []*truce.Statement, before func(*thttp.Problem) bool) (added, again int, err error) {
	var lines bytes.Buffer
	for _, st := range sts {
		lines.Write(st.Raw)
		lines.WriteByte('\n')
	}
	results, err := c.SubmitBatch(ctx, lines.Bytes())
	if err != nil {
		return 0, 0, err
	}
	for _, r := range results {
		switch {
		case r.Problem != nil && before(r.Problem), r.Status == 200:
			again++
		case r.Problem != nil:
			return added, again, truce.Errorf(truce.EINVALID, "Statement %d of %d was refused: %s", r.Line, len(sts), r.Problem.Detail)
		case r.Receipt.Status == truce.StatusRejected:
			return added, again, truce.Errorf(truce.ECONFLICT, "Statement %d of %d was logged at index %d but rejected: %s", r.Line, len(sts), r.Receipt.Index, r.Receipt.Reason)
		default:
			added++
		}
	}
	return added, again, nil
}

// declareSites submits, in site.batch statements, the sites that are new
// or differ from the registry's.
func (m *Main) declareSites(ctx context.Context, c *thttp.Client, keyFile string, sites []truce.Site) error {
	s, err := truce.ReadSignerFile(keyFile)
	if err != nil {
		return err
	}
	if err := m.authorize(ctx, c, s); err != nil {
		return err
	}
	changed, err := changedSites(ctx, c, sites)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		fmt.Fprintf(m.Stdout, "%d sites read; all are in the registry unchanged; nothing submitted\n", len(sites))
		return nil
	}
	sts, err := packSites(s, s.Log, m.Now().UTC().Truncate(time.Second), changed)
	if err != nil {
		return err
	}
	if _, _, err := submitAll(ctx, c, sts, func(*thttp.Problem) bool { return false }); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d sites read; %d new or changed declared in %d statements; %d unchanged\n",
		len(sites), len(changed), len(sts), len(sites)-len(changed))
	return nil
}

// changedSites returns the sites whose hash differs from the registry's.
func changedSites(ctx context.Context, c *thttp.Client, sites []truce.Site) ([]truce.Site, error) {
	ids := make([]string, len(sites))
	for i := range sites {
		ids[i] = sites[i].ID
	}
	known, err := c.SiteHashes(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []truce.Site
	for i := range sites {
		if known[sites[i].ID] != sites[i].Hash() {
			out = append(out, sites[i])
		}
	}
	return out, nil
}

// siteBudget is how many bytes of site JSON go in one statement: the
// payload is base64 in the envelope, 4/3 of its size, and the envelope
// must stay under the log's entry limit.
const siteBudget = truce.MaxEntrySize*3/4 - 2048

// packSites signs the sites in as few site.batch statements as the log's
// entry limit allows, in the order given.
func packSites(s *truce.Signer, origin string, t time.Time, sites []truce.Site) ([]*truce.Statement, error) {
	var out []*truce.Statement
	var batch []truce.Site
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		st, err := truce.Sign(s, origin, truce.KindSiteBatch, t, truce.SiteBatch{Sites: batch})
		if err != nil {
			return err
		}
		out, batch, size = append(out, st), nil, 0
		return nil
	}
	for _, site := range sites {
		b, _ := json.Marshal(site)
		if len(b) > siteBudget {
			return nil, truce.Errorf(truce.ETOOLARGE, "Site %s is %d bytes of JSON; a statement takes at most %d. Simplify its geometry.", site.ID, len(b), siteBudget)
		}
		if size+len(b)+1 > siteBudget || len(batch) == 1000 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		batch, size = append(batch, site), size+len(b)+1
	}
	return out, flush()
}
