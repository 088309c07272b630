package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// readBody reads the body of a statement from a YAML or JSON file into v,
// as strictly as the service decodes it (no unknown fields), and
// validates it.
func readBody(path string, v interface{ Validate() error }) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return truce.Errorf(truce.EINVALID, "Cannot read %s: %v.", path, err)
	}
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		if data, err = yamlToJSON(data); err != nil {
			return truce.Errorf(truce.EINVALID, "%s: %s", path, truce.ErrorMessage(err))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return truce.Errorf(truce.EINVALID, "%s: %v.", path, strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return truce.Errorf(truce.EINVALID, "%s: data after the body.", path)
	}
	if err := v.Validate(); err != nil {
		return truce.Errorf(truce.EINVALID, "%s: %s", path, truce.ErrorMessage(err))
	}
	return nil
}

// parseEvidence reads an --evidence value: SHA256:MEDIATYPE, such as
// 9f86...08:image/jpeg, or the path of a file to hash.
func parseEvidence(v string) (truce.Evidence, error) {
	if h, mt, ok := strings.Cut(v, ":"); ok && len(h) == 64 {
		if _, err := hex.DecodeString(h); err == nil {
			if mt == "" {
				return truce.Evidence{}, usagef("--evidence %s: give the media type after the colon, e.g. %s:image/jpeg", v, h)
			}
			return truce.Evidence{SHA256: strings.ToLower(h), MediaType: mt}, nil
		}
	}
	if _, err := os.Stat(v); err != nil {
		return truce.Evidence{}, usagef("--evidence %q is neither SHA256:MEDIATYPE (64 hex digits, a colon, a media type) nor a file to hash", v)
	}
	return hashEvidence(v)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// anySet reports whether any of the named flags was given.
func anySet(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || slices.Contains(names, f.Name) })
	return set
}
