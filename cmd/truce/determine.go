package main

import (
	"context"
	"slices"
	"strings"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

func (m *Main) runDetermine(ctx context.Context, args []string) error {
	fs := m.flagSet("determine", "determine --key KEYFILE [--server URL] (FILE.yaml | --incident ID --finding FINDING [--party P] [--clause C ...] [--publish] --text TEXT)",
		"Records a mediator's or a monitor's finding on an incident: signs a determination with\n"+
			"KEYFILE, submits it and prints the receipt. A determiner may determine again; its latest\n"+
			"determination counts. The incident is determined once the determiners the charter\n"+
			"requires agree, and published once each of them says --publish. The determination\n"+
			"comes from the flags or from a YAML or JSON file with the fields incident, finding,\n"+
			"party, clauses, publish and text.\n"+
			"Findings: breach (with --party, to whom it is attributed), no_breach, outside_terms,\n"+
			"inconclusive.\n"+
			"Example:\n\n"+
			"  truce determine --key keys/monitor.key --incident 3f1c... --finding breach --party ru \\\n"+
			"    --clause E2 --publish --text \"Shelling of the station confirmed by imagery\"")
	key := fs.String("key", "", "the determiner's key file (required)")
	server := m.serverFlag(fs)
	incident := fs.String("incident", "", "the incident's id, 64 hex digits")
	finding := fs.String("finding", "", "breach, no_breach, outside_terms or inconclusive")
	party := fs.String("party", "", "with breach: the party the breach is attributed to")
	publish := fs.Bool("publish", false, "agree to publish the incident and this finding")
	text := fs.String("text", "", "the reasons, in the determiner's words")
	var clauses keysFlag
	fs.Var(&clauses, "clause", "a clause concerned, e.g. E1 (repeatable, or comma-separated)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return usagef("determine: --key is required")
	}
	var d truce.Determination
	switch {
	case fs.NArg() > 1:
		return usagef("determine: one FILE at most")
	case fs.NArg() == 1:
		if anySet(fs, "incident", "finding", "party", "publish", "text", "clause") {
			return usagef("determine: give a FILE or the flags that compose a determination, not both")
		}
		if err := readBody(fs.Arg(0), &d); err != nil {
			return err
		}
	default:
		if *incident == "" || *finding == "" || *text == "" {
			return usagef("determine: give a FILE, or --incident, --finding and --text")
		}
		if !slices.Contains([]string{"breach", "no_breach", "outside_terms", "inconclusive"}, *finding) {
			return usagef("determine: --finding %q is not one of breach, no_breach, outside_terms, inconclusive", *finding)
		}
		d = truce.Determination{Incident: strings.TrimSpace(*incident), Finding: truce.Finding(*finding), Party: *party, Publish: *publish, Text: *text}
		for _, c := range clauses {
			d.Clauses = append(d.Clauses, splitList(c)...)
		}
		if err := d.Validate(); err != nil {
			return err
		}
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	receipt, err := m.signAndSubmit(ctx, c, *key, truce.KindDetermination, &d)
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, receipt)
}
