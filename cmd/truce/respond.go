package main

import (
	"context"
	"slices"
	"strings"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

func (m *Main) runRespond(ctx context.Context, args []string) error {
	fs := m.flagSet("respond", "respond --key KEYFILE [--server URL] (FILE.yaml | --incident ID --stance STANCE --text TEXT [--actor WHO] [--evidence SHA256:TYPE ...])",
		"Replies, as an accused party, to an incident: signs a response with KEYFILE, submits it\n"+
			"and prints the receipt. Only a party the incident accuses may respond; a reply after\n"+
			"the deadline is recorded and marked late. The response is dated now, by this machine's\n"+
			"clock, which the server checks. It comes from the flags or from a YAML or JSON file\n"+
			"with the fields incident, stance, actor, text and evidence.\n"+
			"Stances: acknowledge, deny, counter_claim (with --actor naming who did it).\n"+
			"Example:\n\n"+
			"  truce respond --key keys/ru.key --incident 3f1c... --stance deny \\\n"+
			"    --text \"No strike was made on the station\" --evidence 9f86...08:image/jpeg")
	key := fs.String("key", "", "the accused party's key file (required)")
	server := m.serverFlag(fs)
	incident := fs.String("incident", "", "the incident's id, 64 hex digits")
	stance := fs.String("stance", "", "acknowledge, deny or counter_claim")
	actor := fs.String("actor", "", "with counter_claim: who did it (a party's member id, or a description)")
	text := fs.String("text", "", "the reply, in the party's words")
	var evidence keysFlag
	fs.Var(&evidence, "evidence", "evidence as SHA256:MEDIATYPE, or a file to hash (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return usagef("respond: --key is required")
	}
	var r truce.Response
	switch {
	case fs.NArg() > 1:
		return usagef("respond: one FILE at most")
	case fs.NArg() == 1:
		if anySet(fs, "incident", "stance", "actor", "text", "evidence") {
			return usagef("respond: give a FILE or the flags that compose a response, not both")
		}
		if err := readBody(fs.Arg(0), &r); err != nil {
			return err
		}
	default:
		if *incident == "" || *stance == "" || *text == "" {
			return usagef("respond: give a FILE, or --incident, --stance and --text")
		}
		if !slices.Contains(truce.Stances(), truce.Stance(*stance)) {
			return usagef("respond: --stance %q is not one of acknowledge, deny, counter_claim", *stance)
		}
		r = truce.Response{Incident: strings.TrimSpace(*incident), Stance: truce.Stance(*stance), Actor: *actor, Text: *text}
		for _, v := range evidence {
			e, err := parseEvidence(v)
			if err != nil {
				return err
			}
			r.Evidence = append(r.Evidence, e)
		}
		if err := r.Validate(); err != nil {
			return err
		}
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	receipt, err := m.signAndSubmit(ctx, c, *key, truce.KindResponse, &r)
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, receipt)
}
