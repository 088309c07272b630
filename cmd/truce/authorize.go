package main

import (
	"bytes"
	"context"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// tokenTTL is how long the tokens that commands make for themselves live.
const tokenTTL = time.Hour

// authorize makes c read as the member whose key s is, with a token for
// the server's log: the key file's log, or the origin of the server's
// checkpoint.
func (m *Main) authorize(ctx context.Context, c *thttp.Client, s *truce.Signer) error {
	origin := s.Log
	if origin == "" {
		cp, err := c.LogFile(ctx, "checkpoint")
		if err != nil {
			return err
		}
		first, _, _ := bytes.Cut(cp, []byte("\n")) // the note's first line names the log
		origin = string(first)
	}
	tok, err := truce.NewToken(s, origin, m.Now(), tokenTTL)
	if err != nil {
		return err
	}
	c.Token = tok
	return nil
}
