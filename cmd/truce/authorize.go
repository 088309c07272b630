package main

import (
	"bytes"
	"context"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// logOrigin returns the origin of the log c's server serves: the first
// line of its checkpoint.
func logOrigin(ctx context.Context, c *thttp.Client) (string, error) {
	cp, err := c.LogFile(ctx, "checkpoint")
	if err != nil {
		return "", err
	}
	origin, _, _ := bytes.Cut(cp, []byte("\n"))
	return string(origin), nil
}

// tokenTTL is how long the tokens that commands make for themselves live.
const tokenTTL = time.Hour

// authorize makes c read as the member whose key s is, with a token for
// the server's log: the key file's log, or the origin of the server's
// checkpoint.
func (m *Main) authorize(ctx context.Context, c *thttp.Client, s *truce.Signer) error {
	origin := s.Log
	if origin == "" {
		var err error
		if origin, err = logOrigin(ctx, c); err != nil {
			return err
		}
	}
	tok, err := truce.NewToken(s, origin, m.Now(), tokenTTL)
	if err != nil {
		return err
	}
	c.Token = tok
	return nil
}
