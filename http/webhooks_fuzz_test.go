package http

import (
	"net/url"
	"testing"

	"github.com/truce-project/truce"
)

// FuzzDecodeWebhook checks that every registration body is taken or
// refused with EINVALID, and that a taken one has an http(s) URL.
func FuzzDecodeWebhook(f *testing.F) {
	for _, s := range []string{
		`{"url":"https://example.org/hook"}`,
		`{"url":"http://127.0.0.1:9/x","filter":{"kinds":["report","incident"],"party":"ru","bbox":[30,44,40,52]}}`,
		`{"url":"ftp://x"}`, `{"url":"javascript:alert(1)"}`, `{"url":"http://u:p@h/"}`, `{"url":1}`,
		`{"url":"https://h","filter":{"bbox":[1,2,3]}}`, `{"url":"https://h"} []`, `[]`, ``, `{"url":"https://h","x":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := decodeWebhook(body)
		if err != nil {
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		u, perr := url.Parse(h.URL)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("took URL %q", h.URL)
		}
	})
}

// FuzzFeedQuery checks the feed's query and Last-Event-ID parsers: every
// input is taken or refused with EINVALID.
func FuzzFeedQuery(f *testing.F) {
	for _, s := range []string{"kind=report&party=ru&bbox=30,44,40,52", "kind=,,,", "bbox=NaN,0,1,1", "kind=incident&kind=x"} {
		f.Add(s, "12.3")
	}
	f.Add("", "18446744073709551615.4294967295")
	f.Add("", "00.1")
	f.Fuzz(func(t *testing.T, query, id string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if _, err := feedFilter(q); err != nil && truce.ErrorCode(err) != truce.EINVALID {
			t.Fatalf("filter error %v is not EINVALID", err)
		}
		e, err := truce.ParseEventID(id)
		if err != nil {
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Fatalf("event id error %v is not EINVALID", err)
			}
			return
		}
		if back, err := truce.ParseEventID(e.String()); err != nil || back != e {
			t.Fatalf("%q parses as %v, whose text %q gives %v, %v", id, e, e.String(), back, err)
		}
	})
}
