package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// IncidentsJSON encodes what Incidents returns, as a ledger does.
func (l *incidentLedger) IncidentsJSON(ctx context.Context, q truce.IncidentQuery) (*truce.IncidentPage, error) {
	res, err := l.Incidents(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &truce.IncidentPage{Next: res.Next, Incidents: []json.RawMessage{}}
	for i := range res.Incidents {
		b, err := json.Marshal(&res.Incidents[i])
		if err != nil {
			return nil, err
		}
		page.Incidents = append(page.Incidents, b)
	}
	return page, nil
}

// TestIncidentsPage checks that GET /v1/incidents, which writes the
// ledger's encoded incidents as they are, answers byte for byte what
// encoding the same result would, with and without a next page.
func TestIncidentsPage(t *testing.T) {
	l := &incidentLedger{incidents: manyIncidents(30)}
	l.incidents[3].Where.Place = `<Enerhodar & "the plant">` // HTML-escaped by encoding/json
	srv := httptest.NewServer((&thttp.Server{Ledger: l, LogDir: t.TempDir()}).Handler())
	defer srv.Close()
	for _, query := range []string{"limit=10", "limit=100", "party=nobody"} {
		resp, err := http.Get(srv.URL + "/v1/incidents?" + query)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		q := truce.IncidentQuery{Limit: 10}
		switch query {
		case "limit=100":
			q.Limit = 100
		case "party=nobody":
			q = truce.IncidentQuery{Party: "nobody"}
		}
		res, _ := l.Incidents(context.Background(), q)
		if res.Incidents == nil {
			res.Incidents = []truce.Incident{}
		}
		var want bytes.Buffer
		json.NewEncoder(&want).Encode(res)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: %d %s\n%.300s\nwant\n%.300s", query, resp.StatusCode, resp.Header.Get("Content-Type"), got, want.Bytes())
		}
	}
}
