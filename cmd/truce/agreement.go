package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

func (m *Main) runAgreement(ctx context.Context, args []string) error {
	sub := map[string]func(context.Context, []string) error{
		"propose": m.runAgreementPropose, "sign": m.runAgreementSign,
		"show": m.runAgreementShow, "list": m.runAgreementList,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(m.Stderr, "Usage: truce agreement propose|sign|show|list [flags]\n\n"+
			"  propose  sign and submit a version of an agreement from a YAML or JSON file (mediator)\n"+
			"  sign     sign a version on behalf of a party, with the time it accepts it from\n"+
			"  show     show an agreement's versions, signatures and in-force periods\n"+
			"  list     list the agreements")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return usagef("agreement: want propose, sign, show or list")
	}
	return sub[args[0]](ctx, args[1:])
}

func (m *Main) runAgreementPropose(ctx context.Context, args []string) error {
	fs := m.flagSet("agreement propose", "agreement propose --key KEYFILE [--server URL] FILE.yaml",
		"Validates the terms in FILE (YAML, or JSON by its .json extension), signs an\n"+
			"agreement.propose statement with the mediator's key and submits it. A new version\n"+
			"of an agreement gives \"version: N\" and \"supersedes: N-1\"; a clause id is never reused\n"+
			"for other text. See docs/agreements.md for the format.")
	key := fs.String("key", "", "the mediator's key file (required)")
	server := m.serverFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" || fs.NArg() != 1 {
		return usagef("agreement propose: --key and one FILE are required")
	}
	a, err := readAgreement(fs.Arg(0))
	if err != nil {
		return err
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	r, err := m.signAndSubmit(ctx, c, *key, truce.KindAgreementPropose, truce.AgreementPropose{Agreement: *a})
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, r)
}

func (m *Main) runAgreementSign(ctx context.Context, args []string) error {
	fs := m.flagSet("agreement sign", "agreement sign --key KEYFILE [--server URL] [--from TIME] ID [VERSION]",
		"Signs version VERSION (default: the latest) of agreement ID on behalf of the key's\n"+
			"party, accepting it from TIME (default: now). A version is in force for a party from\n"+
			"the later of its window's start and that party's acceptance, once every party has signed.")
	key := fs.String("key", "", "the party's key file (required)")
	from := fs.String("from", "", "the time the party accepts the terms from, RFC 3339 (default: now)")
	server := m.serverFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" || fs.NArg() < 1 || fs.NArg() > 2 {
		return usagef("agreement sign: --key and an agreement ID are required")
	}
	accepted, err := m.parseTime("--from", *from)
	if err != nil {
		return err
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	version, err := m.versionArg(ctx, c, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return err
	}
	body := truce.AgreementSign{Agreement: fs.Arg(0), Version: version, AcceptedFrom: accepted}
	r, err := m.signAndSubmit(ctx, c, *key, truce.KindAgreementSign, body)
	if err != nil {
		return err
	}
	return printJSON(m.Stdout, r)
}

// versionArg parses VERSION, or finds the latest version of id.
func (m *Main) versionArg(ctx context.Context, c *thttp.Client, id, v string) (int, error) {
	if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, usagef("agreement sign: VERSION %q is not a version number", v)
		}
		return n, nil
	}
	a, err := c.Agreement(ctx, id, nil)
	if err != nil {
		return 0, err
	}
	return len(a.Versions), nil
}

func (m *Main) runAgreementShow(ctx context.Context, args []string) error {
	fs := m.flagSet("agreement show", "agreement show [--server URL] [--at TIME] [--json] ID",
		"Shows agreement ID: each version's clauses and signatures, and when each version\n"+
			"binds each party. With --at, which version and clauses applied to each party then.")
	at := fs.String("at", "", "show what applied at this time, RFC 3339")
	asJSON := fs.Bool("json", false, "print the server's JSON")
	server := m.serverFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("agreement show: one agreement ID is required")
	}
	var when *time.Time
	if *at != "" {
		t, err := m.parseTime("--at", *at)
		if err != nil {
			return err
		}
		when = &t
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	a, err := c.Agreement(ctx, fs.Arg(0), when)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(m.Stdout, a)
	}
	printAgreement(m.Stdout, a)
	return nil
}

func (m *Main) runAgreementList(ctx context.Context, args []string) error {
	fs := m.flagSet("agreement list", "agreement list [--server URL]", "Lists the agreements and their latest versions.")
	server := m.serverFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	list, err := c.Agreements(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tVERSIONS\tTITLE")
	for _, a := range list {
		fmt.Fprintf(w, "%s\t%d\t%s\n", a.ID, len(a.Versions), a.Versions[len(a.Versions)-1].Agreement.Title)
	}
	return w.Flush()
}

func printAgreement(out io.Writer, a *thttp.AgreementView) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	defer w.Flush()
	for _, v := range a.Versions {
		t := v.Agreement
		fmt.Fprintf(w, "%s version %d: %s\n", t.ID, t.Version, t.Title)
		fmt.Fprintf(w, "  window\t%s to %s\n", t.Window.From.Format(time.RFC3339), untilText(t.Window.Until))
		for _, c := range t.Clauses {
			zone := ""
			if c.Zone != nil {
				zone = " (in its zone)"
			}
			fmt.Fprintf(w, "  clause %s\t%s: protects %s%s\n", c.ID, c.Title, joinCategories(c.Protects), zone)
		}
		for _, s := range v.Signatures {
			fmt.Fprintf(w, "  signed by %s\taccepting from %s (log index %d)\n", s.Party, s.From.Format(time.RFC3339), s.Index)
		}
		if len(v.Signatures) < len(t.Parties) {
			fmt.Fprintf(w, "  not in force\t%d of %d parties have signed\n", len(v.Signatures), len(t.Parties))
		}
	}
	for _, p := range a.Periods {
		fmt.Fprintf(w, "binds %s\tversion %d from %s to %s\n", p.Party, p.Version, p.From.Format(time.RFC3339), untilText(p.Until))
	}
	for _, f := range a.InForce {
		fmt.Fprintf(w, "at %s, %s\tis bound by version %d since %s\n", a.At.Format(time.RFC3339), f.Party, f.Version, f.Since.Format(time.RFC3339))
	}
	for _, p := range a.NotBound {
		fmt.Fprintf(w, "at %s, %s\tis bound by no version\n", a.At.Format(time.RFC3339), p)
	}
}

func untilText(t *time.Time) string {
	if t == nil {
		return "open-ended"
	}
	return t.Format(time.RFC3339)
}

func joinCategories(cs []truce.Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}
