package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

func (m *Main) runBulletin(ctx context.Context, args []string) error {
	fs := m.flagSet("bulletin", "bulletin --key KEYFILE [--server URL] (FILE.yaml | --title TITLE --text TEXT [--to M1,M2] [--from TIME [--until TIME]] [--area GEOJSON] [--ack-requested])",
		"Sends a situation update to the other members' staffs, outside any incident: signs a\n"+
			"bulletin with KEYFILE, submits it and prints the receipt. Without --to it is addressed\n"+
			"to every member; with --ack-requested each addressee is asked to acknowledge it\n"+
			"(\"truce ack\"), and finds it in \"truce inbox\" until it does. The bulletin comes from\n"+
			"the flags or from a YAML or JSON file with the fields title, text, area, window\n"+
			"{from, until}, to and ack_requested.\n"+
			"Example:\n\n"+
			"  truce bulletin --key keys/ua.key --title \"Demining near Enerhodar\" \\\n"+
			"    --text \"Engineers at work from 06:00 to 12:00\" --from 2025-03-25T06:00:00Z \\\n"+
			"    --until 2025-03-25T12:00:00Z --area area.geojson --ack-requested")
	key := fs.String("key", "", "the sender's key file (required)")
	server := m.serverFlag(fs)
	title := fs.String("title", "", "a one-line title")
	text := fs.String("text", "", "the update")
	to := fs.String("to", "", "the member ids it is addressed to, comma-separated (default: every member)")
	from := fs.String("from", "", "when it begins to apply, RFC 3339")
	until := fs.String("until", "", "when it stops applying, RFC 3339 (needs --from)")
	area := fs.String("area", "", "a GeoJSON file: the geometry, a Feature, or a FeatureCollection of one feature, where it applies")
	ack := fs.Bool("ack-requested", false, "ask each addressee to acknowledge it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return usagef("bulletin: --key is required")
	}
	var b truce.Bulletin
	switch {
	case fs.NArg() > 1:
		return usagef("bulletin: one FILE at most")
	case fs.NArg() == 1:
		if anySet(fs, "title", "text", "to", "from", "until", "area", "ack-requested") {
			return usagef("bulletin: give a FILE or the flags that compose a bulletin, not both")
		}
		if err := readBody(fs.Arg(0), &b); err != nil {
			return err
		}
	default:
		if *title == "" || *text == "" {
			return usagef("bulletin: give a FILE, or --title and --text")
		}
		if *until != "" && *from == "" {
			return usagef("bulletin: --until needs --from")
		}
		b = truce.Bulletin{Title: *title, Text: *text, To: splitList(*to), AckRequested: *ack}
		if *from != "" {
			f, err := m.parseTime("--from", *from)
			if err != nil {
				return err
			}
			b.Window = &truce.Span{From: f}
			if *until != "" {
				u, err := m.parseTime("--until", *until)
				if err != nil {
					return err
				}
				b.Window.Until = &u
			}
		}
		if *area != "" {
			g, err := readArea(*area)
			if err != nil {
				return err
			}
			b.Area = g
		}
		if err := b.Validate(); err != nil {
			return err
		}
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	receipt, err := m.signAndSubmit(ctx, c, *key, truce.KindBulletin, &b)
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, receipt)
}

// readArea reads a GeoJSON geometry from a file that holds the geometry, a
// Feature, or a FeatureCollection of one feature.
func readArea(path string) (*truce.Geometry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Cannot read %s: %v.", path, err)
	}
	var doc struct {
		Type     string            `json:"type"`
		Geometry json.RawMessage   `json:"geometry"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "--area %s is not GeoJSON: %v.", path, strings.TrimPrefix(err.Error(), "json: "))
	}
	switch doc.Type {
	case "FeatureCollection":
		if len(doc.Features) != 1 {
			return nil, truce.Errorf(truce.EINVALID, "--area %s holds %d features; give one.", path, len(doc.Features))
		}
		if err := json.Unmarshal(doc.Features[0], &doc); err != nil || doc.Type != "Feature" {
			return nil, truce.Errorf(truce.EINVALID, "--area %s: its feature is not a GeoJSON Feature.", path)
		}
		fallthrough
	case "Feature":
		data = doc.Geometry
	}
	var g truce.Geometry
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "--area %s: %s", path, truce.ErrorMessage(err))
	}
	return &g, nil
}

func (m *Main) runAck(ctx context.Context, args []string) error {
	fs := m.flagSet("ack", "ack --key KEYFILE [--server URL] --bulletin ID [--text TEXT]",
		"Acknowledges a bulletin addressed to your member: signs a bulletin.ack with KEYFILE,\n"+
			"submits it and prints the receipt. A member acknowledges a bulletin once.")
	key := fs.String("key", "", "the addressee's key file (required)")
	server := m.serverFlag(fs)
	bulletin := fs.String("bulletin", "", "the bulletin's id, 64 hex digits (required)")
	text := fs.String("text", "", "a note with the acknowledgement (optional)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" || *bulletin == "" {
		return usagef("ack: --key and --bulletin are required")
	}
	if fs.NArg() != 0 {
		return usagef("ack: unexpected argument %q", fs.Arg(0))
	}
	a := truce.BulletinAck{Bulletin: strings.TrimSpace(*bulletin), Text: *text}
	if err := a.Validate(); err != nil {
		return err
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	receipt, err := m.signAndSubmit(ctx, c, *key, truce.KindBulletinAck, &a)
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, receipt)
}
