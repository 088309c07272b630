package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// Client talks to a Truce server. Its errors are *truce.Error with the
// server's code and message, so the CLI shows what the server said.
type Client struct {
	// BaseURL is the server's URL, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// HTTP is the client to use. Optional; defaults to one with a 60 s timeout.
	HTTP *http.Client
	// Token, if set, is sent as the bearer token of every API request, so
	// that the server answers as the member it proves (see truce.NewToken).
	Token string
}

// NewClient returns a client for the server at base. Returns EINVALID if
// base is not an http(s) URL.
func NewClient(base string) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, truce.Errorf(truce.EINVALID, "Server %q is not an http:// or https:// URL.", base)
	}
	return &Client{BaseURL: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 60 * time.Second}}, nil
}

// Submit posts one envelope and returns its receipt and whether it was
// newly logged.
func (c *Client) Submit(ctx context.Context, envelope []byte) (*truce.Receipt, bool, error) {
	var r truce.Receipt
	status, err := c.do(ctx, http.MethodPost, "/v1/statements", envelope, &r)
	if err != nil {
		return nil, false, err
	}
	return &r, status == http.StatusCreated, nil
}

// Receipt returns a statement's receipt against the latest checkpoint.
func (c *Client) Receipt(ctx context.Context, id string) (*truce.Receipt, error) {
	var r truce.Receipt
	_, err := c.do(ctx, http.MethodGet, "/v1/receipts/"+url.PathEscape(id), nil, &r)
	return &r, err
}

// Statement returns one statement with its envelope.
func (c *Client) Statement(ctx context.Context, id string) (*StatementView, error) {
	var v StatementView
	_, err := c.do(ctx, http.MethodGet, "/v1/statements/"+url.PathEscape(id), nil, &v)
	return &v, err
}

// Statements returns a page of statements from index from.
func (c *Client) Statements(ctx context.Context, from uint64, limit int) (*StatementList, error) {
	var l StatementList
	_, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v1/statements?from=%d&limit=%d", from, limit), nil, &l)
	return &l, err
}

// Members returns the members and their keys.
func (c *Client) Members(ctx context.Context) ([]truce.MemberView, error) {
	var v struct {
		Members []truce.MemberView `json:"members"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/members", nil, &v)
	return v.Members, err
}

// LogFile returns a file of the log: "checkpoint", "vkey", or a tile or
// entry bundle path. A missing file is ENOTFOUND.
func (c *Client) LogFile(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/log/"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Cannot reach %s: %v.", c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, responseError(resp)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<20))
}

// do sends a request and decodes a 2xx JSON answer into out; any other
// answer becomes the *truce.Error its problem document describes.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.authorize(req)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, truce.Errorf(truce.EUNAVAILABLE, "Cannot reach %s: %v.", c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, responseError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("decode answer of %s %s: %w", method, path, err)
	}
	return resp.StatusCode, nil
}

// authorize adds the client's bearer token, if it has one.
func (c *Client) authorize(req *http.Request) {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
}

// responseError turns a problem document into a *truce.Error.
func responseError(resp *http.Response) error {
	var p Problem
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(data, &p) != nil || p.Detail == "" {
		return truce.Errorf(codeForStatus(resp.StatusCode), "Server answered %s.", resp.Status)
	}
	code := strings.TrimPrefix(p.Type, "/problems/")
	if _, ok := statuses[code]; !ok {
		code = codeForStatus(resp.StatusCode)
	}
	return truce.Errorf(code, "%s", p.Detail)
}

func codeForStatus(status int) string {
	for code, s := range statuses {
		if s == status && code != truce.EINTERNAL {
			return code
		}
	}
	return truce.EINTERNAL
}

// SubmitBatch posts JSON Lines of envelopes and returns one result per
// non-empty line, in order.
func (c *Client) SubmitBatch(ctx context.Context, lines []byte) ([]BatchResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/v1/statements/batch", bytes.NewReader(lines))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/jsonl")
	c.authorize(req)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Cannot reach %s: %v.", c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, responseError(resp)
	}
	var out []BatchResult
	dec := json.NewDecoder(resp.Body)
	for dec.More() {
		var r BatchResult
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("decode batch result: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Agreements returns every agreement.
func (c *Client) Agreements(ctx context.Context) ([]AgreementView, error) {
	var v struct {
		Agreements []AgreementView `json:"agreements"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/agreements", nil, &v)
	return v.Agreements, err
}

// Agreement returns one agreement; with at, what bound each party then.
func (c *Client) Agreement(ctx context.Context, id string, at *time.Time) (*AgreementView, error) {
	path := "/v1/agreements/" + url.PathEscape(id)
	if at != nil {
		path += "?at=" + url.QueryEscape(at.UTC().Format(time.RFC3339))
	}
	var v AgreementView
	_, err := c.do(ctx, http.MethodGet, path, nil, &v)
	return &v, err
}

// Sites returns the sites a query string (without "?") selects.
func (c *Client) Sites(ctx context.Context, query url.Values) (*FeatureCollection, error) {
	var fc FeatureCollection
	_, err := c.do(ctx, http.MethodGet, "/v1/sites?"+query.Encode(), nil, &fc)
	return &fc, err
}

// Site returns one site with its history.
func (c *Client) Site(ctx context.Context, id string) (*truce.SiteHistory, error) {
	var s truce.SiteHistory
	_, err := c.do(ctx, http.MethodGet, "/v1/sites/"+url.PathEscape(id), nil, &s)
	return &s, err
}

// SiteHashes returns the registry's hash of each of the sites with the
// given ids that it holds.
func (c *Client) SiteHashes(ctx context.Context, ids []string) (map[string]string, error) {
	body, _ := json.Marshal(map[string][]string{"ids": ids})
	var v struct {
		Hashes map[string]string `json:"hashes"`
	}
	_, err := c.do(ctx, http.MethodPost, "/v1/sites/hashes", body, &v)
	return v.Hashes, err
}

// Incidents returns a page of incidents for a query string (without "?").
func (c *Client) Incidents(ctx context.Context, query string) (*truce.IncidentResult, error) {
	var r truce.IncidentResult
	_, err := c.do(ctx, http.MethodGet, "/v1/incidents?"+query, nil, &r)
	return &r, err
}

// Whoami returns who the client reads as.
func (c *Client) Whoami(ctx context.Context) (truce.Reader, error) {
	var r truce.Reader
	_, err := c.do(ctx, http.MethodGet, "/v1/whoami", nil, &r)
	return r, err
}

// Inbox returns what awaits the member the client's token proves.
func (c *Client) Inbox(ctx context.Context) (*truce.Inbox, error) {
	var box truce.Inbox
	_, err := c.do(ctx, http.MethodGet, "/v1/inbox", nil, &box)
	return &box, err
}

// Bulletins returns every bulletin with its acknowledgements.
func (c *Client) Bulletins(ctx context.Context) ([]truce.BulletinState, error) {
	var v struct {
		Bulletins []truce.BulletinState `json:"bulletins"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/bulletins", nil, &v)
	return v.Bulletins, err
}

// Bulletin returns one bulletin.
func (c *Client) Bulletin(ctx context.Context, id string) (*truce.BulletinState, error) {
	var b truce.BulletinState
	_, err := c.do(ctx, http.MethodGet, "/v1/bulletins/"+url.PathEscape(id), nil, &b)
	return &b, err
}

// Export copies GET /v1/export/incidents.FORMAT?query to w: format is
// geojson, csv or jsonl, and the query takes the filters of
// GET /v1/incidents.
func (c *Client) Export(ctx context.Context, format string, query url.Values, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/v1/export/incidents."+format+"?"+query.Encode(), nil)
	if err != nil {
		return err
	}
	c.authorize(req)
	// An export may take longer than one API call; the context bounds it.
	hc := *c.HTTP
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return truce.Errorf(truce.EUNAVAILABLE, "Cannot reach %s: %v.", c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError(resp)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read export: %w", err)
	}
	return nil
}
