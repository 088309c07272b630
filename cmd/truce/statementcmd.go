package main

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// signAndSubmit signs body as a statement of kind with the key in keyFile,
// submits it, and prints the receipt. Commands that make one statement
// (agreement propose, agreement sign, ...) share it.
func (m *Main) signAndSubmit(ctx context.Context, c *thttp.Client, keyFile string, kind truce.Kind, body any) (*truce.Receipt, error) {
	s, err := truce.ReadSignerFile(keyFile)
	if err != nil {
		return nil, err
	}
	if s.Log == "" {
		return nil, truce.Errorf(truce.EINVALID, "Key file %s names no log; make statements for it with \"truce sign --log\".", keyFile)
	}
	st, err := truce.Sign(s, s.Log, kind, m.Now().UTC().Truncate(time.Second), body)
	if err != nil {
		return nil, err
	}
	r, _, err := c.Submit(ctx, st.Raw)
	if err != nil {
		return nil, err
	}
	if r.Status == truce.StatusRejected {
		return r, truce.Errorf(truce.ECONFLICT, "Logged at index %d but rejected: %s", r.Index, r.Reason)
	}
	fmt.Fprintf(m.Stderr, "%s statement %s logged at index %d\n", kind, r.ID, r.Index)
	return r, nil
}

// parseTime parses an RFC 3339 time flag; empty means now.
func (m *Main) parseTime(flag, v string) (time.Time, error) {
	if v == "" {
		return m.Now().UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usagef("%s %q is not an RFC 3339 time such as 2025-03-18T12:00:00Z", flag, v)
	}
	return t.UTC(), nil
}
