package main

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/truce-project/truce"
)

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := m.flagSet("export", "export [--server URL] [--key KEYFILE] --format geojson|csv|jsonl [filters] [-o FILE]",
		"Downloads the incidents the filters select, as GeoJSON (RFC 7946), CSV or JSON Lines,\n"+
			"from the server's export endpoint. With --key it reads as that key's member, else as the\n"+
			"public (or with $TRUCE_TOKEN): an export never holds more than its reader may see.\n"+
			"The filters are those of GET /v1/incidents.")
	server := m.serverFlag(fs)
	key := keyFlag(fs)
	format := fs.String("format", "", "geojson, csv or jsonl (required)")
	out := fs.String("o", "", "write to FILE instead of standard output")
	filters := map[string]*string{
		"from":   fs.String("from", "", "incidents whose span ends at or after this time, RFC 3339"),
		"to":     fs.String("to", "", "incidents whose span begins at or before this time, RFC 3339"),
		"bbox":   fs.String("bbox", "", "W,S,E,N in degrees"),
		"party":  fs.String("party", "", "incidents that accuse this party or assess its terms"),
		"grade":  fs.String("grade", "", "single_source, corroborated, impartial, contested or retracted"),
		"clause": fs.String("clause", "", "a clause id (E4) or party:clause"),
		"site":   fs.String("site", "", "incidents with this protected site within reach"),
		"status": fs.String("status", "", "open, awaiting_reply, overdue, replied, determined or published"),
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case "geojson", "csv", "jsonl":
	case "":
		return usagef("export: --format is required: geojson, csv or jsonl")
	default:
		return usagef("export: --format %q is not one of geojson, csv, jsonl", *format)
	}
	if fs.NArg() != 0 {
		return usagef("export: unexpected argument %q", fs.Arg(0))
	}
	q := url.Values{}
	for name, v := range filters {
		if *v != "" {
			q.Set(name, *v)
		}
	}
	c, err := m.readClient(ctx, *server, *key)
	if err != nil {
		return err
	}
	if *out == "" {
		return c.Export(ctx, *format, q, m.Stdout)
	}
	return exportToFile(ctx, *out, func(w io.Writer) error { return c.Export(ctx, *format, q, w) })
}

// exportToFile writes what fn writes to path, replacing it only if fn
// succeeds.
func exportToFile(ctx context.Context, path string, fn func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return truce.Errorf(truce.EINVALID, "Cannot write %s: %v.", path, err)
	}
	defer os.Remove(f.Name())
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
