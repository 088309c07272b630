package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/truce-project/truce"
)

// keysFlag collects repeated --cosign KEYFILE flags.
type keysFlag []string

func (f *keysFlag) String() string     { return "" }
func (f *keysFlag) Set(v string) error { *f = append(*f, v); return nil }

func (m *Main) runSign(_ context.Context, args []string) error {
	fs := m.flagSet("sign", "sign --key KEYFILE --kind KIND [--log ORIGIN] [--time TIME] [--cosign KEYFILE ...] BODY.json",
		"Signs a statement of KIND whose body is the JSON object in BODY.json (\"-\" or nothing\n"+
			"reads standard input) and prints the DSSE envelope, ready for \"truce submit\".\n"+
			"The statement names the key's member as its signer and the deployment's log origin\n"+
			"(from the key file, or --log), so it cannot be replayed in another deployment.\n"+
			"Kinds: charter, key.add, key.revoke. A key.add is cosigned by the key it adds. A\n"+
			"charter that replaces the one in force names that charter's statement id in its\n"+
			"\"replaces\" field and is signed by every party: add their keys with --cosign.")
	keyFile := fs.String("key", "", "the signer's key file (required)")
	kind := fs.String("kind", "", "the statement's kind (required)")
	origin := fs.String("log", "", "the log origin (default: the one in the key file)")
	at := fs.String("time", "", "the claimed time, RFC 3339 (default: now)")
	var cosign keysFlag
	fs.Var(&cosign, "cosign", "a further signer's key file (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *kind == "" {
		return usagef("sign: --key and --kind are required")
	}
	if fs.NArg() > 1 {
		return usagef("sign: one body file at most")
	}
	s, err := truce.ReadSignerFile(*keyFile)
	if err != nil {
		return err
	}
	p, err := m.payload(s, *kind, *origin, *at, fs.Arg(0))
	if err != nil {
		return err
	}
	var cosigners []*truce.Signer
	for _, f := range cosign {
		c, err := truce.ReadSignerFile(f)
		if err != nil {
			return err
		}
		cosigners = append(cosigners, c)
	}
	st, err := truce.SignPayload(s, p, cosigners...)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(m.Stdout, "%s\n", st.Raw)
	return err
}

// payload assembles the payload to sign from the flags and the body file.
func (m *Main) payload(s *truce.Signer, kind, origin, at, bodyFile string) (truce.Payload, error) {
	p := truce.Payload{Kind: truce.Kind(kind), Log: origin, Signer: s.Member, Time: m.Now().UTC().Truncate(time.Second)}
	if p.Log == "" {
		p.Log = s.Log
	}
	if p.Log == "" {
		return p, usagef("sign: the key file names no log; give --log ORIGIN")
	}
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return p, usagef("sign: --time %q is not an RFC 3339 time such as 2025-03-18T12:00:00Z", at)
		}
		p.Time = t.UTC()
	}
	body, err := m.readInput(bodyFile)
	if err != nil {
		return p, err
	}
	if !json.Valid(body) {
		if bodyFile == "" || bodyFile == "-" {
			bodyFile = "standard input"
		}
		return p, truce.Errorf(truce.EINVALID, "The body in %s is not valid JSON; it must be one JSON object.", bodyFile)
	}
	p.Body = body
	return p, nil
}

// readInput reads a named file, or standard input for "" and "-".
func (m *Main) readInput(name string) ([]byte, error) {
	if name == "" || name == "-" {
		return io.ReadAll(io.LimitReader(m.Stdin, 64<<20))
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Cannot read %s: %v.", name, err)
	}
	return data, nil
}
