package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

func (m *Main) runToken(ctx context.Context, args []string) error {
	fs := m.flagSet("token", "token --key KEYFILE [--ttl 8h] [--log ORIGIN | --server URL]",
		"Prints a bearer token that proves, when reading, that you hold KEYFILE: a short claim\n"+
			"(member, key, log, expiry) signed with the key itself, which the server checks against\n"+
			"the key registry of the log. No password, no secret on the server; a revoked key's\n"+
			"tokens stop working at once. Send it as \"Authorization: Bearer TOKEN\":\n\n"+
			"  curl -H \"Authorization: Bearer $(truce token --key keys/ua.key)\" $TRUCE_SERVER/v1/inbox\n\n"+
			"Commands that read take --key and make their own token; others read $TRUCE_TOKEN.\n"+
			"The log origin comes from --log, else the key file, else the server's checkpoint.")
	key := fs.String("key", "", "the member's key file (required)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token lives, at most 24h")
	origin := fs.String("log", "", "the log origin the token is for (default: the key file's, or the server's)")
	server := m.serverFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return usagef("token: --key is required")
	}
	if fs.NArg() != 0 {
		return usagef("token: unexpected argument %q", fs.Arg(0))
	}
	if *ttl <= 0 || *ttl > truce.MaxTokenTTL {
		return usagef("token: --ttl must be more than 0 and at most %v", truce.MaxTokenTTL)
	}
	s, err := truce.ReadSignerFile(*key)
	if err != nil {
		return err
	}
	serverSet := m.Getenv("TRUCE_SERVER") != ""
	fs.Visit(func(f *flag.Flag) { serverSet = serverSet || f.Name == "server" })
	log := *origin
	if log == "" {
		log = s.Log
	}
	if log == "" && !serverSet {
		return usagef("token: key file %s names no log; give --log ORIGIN or --server URL", *key)
	}
	if log == "" {
		if log, err = m.serverOrigin(ctx, *server); err != nil {
			return err
		}
	}
	now := m.Now()
	tok, err := truce.NewToken(s, log, now, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "token for %s on %s, valid until %s\n", s.Member, log, now.Add(*ttl).UTC().Format(time.RFC3339))
	_, err = fmt.Fprintln(m.Stdout, tok)
	return err
}

// serverOrigin returns the log origin of the server at url: the first
// line of its checkpoint.
func (m *Main) serverOrigin(ctx context.Context, url string) (string, error) {
	c, err := thttp.NewClient(url)
	if err != nil {
		return "", err
	}
	return logOrigin(ctx, c)
}

// keyFlag adds the --key flag of a command that reads: with it, the
// command reads as the key's member.
func keyFlag(fs *flag.FlagSet) *string {
	return fs.String("key", "", "read as the member of this key file, with a token made from it (default: $TRUCE_TOKEN, else as the public)")
}

// readClient returns a client for server that reads as the member of
// keyFile, with a short-lived token made from it; without keyFile, with
// the token in $TRUCE_TOKEN; without either, as the public.
func (m *Main) readClient(ctx context.Context, server, keyFile string) (*thttp.Client, error) {
	c, err := thttp.NewClient(server)
	if err != nil {
		return nil, err
	}
	if keyFile == "" {
		c.Token = strings.TrimSpace(m.Getenv("TRUCE_TOKEN"))
		return c, nil
	}
	s, err := truce.ReadSignerFile(keyFile)
	if err != nil {
		return nil, err
	}
	return c, m.authorize(ctx, c, s)
}
