package truce_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

// checkOurs fails the test unless err is a *truce.Error with a code a
// user may see and a message.
func checkOurs(t *testing.T, what string, err error) {
	t.Helper()
	var e *truce.Error
	switch {
	case !errors.As(err, &e):
		t.Fatalf("%s: error %#v is not a *truce.Error", what, err)
	case e.Code != truce.EINVALID:
		t.Fatalf("%s: error %v has code %q, want invalid", what, err, e.Code)
	case e.Message == "":
		t.Fatalf("%s: error %v has no message", what, err)
	}
}

// FuzzDecodeAgreement decodes arbitrary bytes as agreement terms. It must
// not panic; what it refuses it refuses with EINVALID; what it accepts
// validates again and survives a JSON round trip unchanged.
func FuzzDecodeAgreement(f *testing.F) {
	for _, a := range []truce.Agreement{agreementV1(), agreementV2()} {
		data, err := json.Marshal(a)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	v2, _ := json.Marshal(agreementV2())
	for _, s := range []string{
		"", "{}", "null", "[]", `{"id":"x"}`, nested(40),
		strings.Replace(string(v2), `"2025-03-25T00:00:00Z"`, `"0000-01-01T00:30:00+01:00"`, 1),
		strings.Replace(string(v2), `"until":"2025-04-17T00:00:00Z"`, `"until":"9999-12-31T23:30:00-01:00"`, 1),
		strings.Replace(string(v2), `[28,41.6],[29.1,41.2]`, `[28,41.6],[29.1]`, 1),
		strings.Replace(string(v2), `[28,41.6],[29.1,41.2]`, `[28,41.6],null`, 1),
		strings.Replace(string(v2), `"Polygon"`, `"Point"`, 1),
		strings.Replace(string(v2), `"72h"`, `"1h30m"`, 1),
		strings.Replace(string(v2), `"metres":5000`, `"metres":5e3`, 1),
		strings.Replace(string(v2), `"E1"`, `"M1"`, 1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := truce.DecodeAgreement(data)
		if err != nil {
			checkOurs(t, "DecodeAgreement", err)
			if a != nil {
				t.Fatalf("DecodeAgreement returned terms and %v", err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("decoded terms do not validate: %v", err)
		}
		enc, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("decoded terms do not encode: %v", err)
		}
		b, err := truce.DecodeAgreement(enc)
		if err != nil {
			t.Fatalf("encoded terms do not decode: %v\n%s", err, enc)
		}
		again, err := json.Marshal(b)
		if err != nil || !bytes.Equal(enc, again) {
			t.Fatalf("round trip changes the terms (%v):\n%s\n%s", err, enc, again)
		}
		// The terms can be proposed as a statement body.
		body, err := json.Marshal(truce.AgreementPropose{Agreement: *a})
		if err != nil {
			t.Fatal(err)
		}
		var p truce.AgreementPropose
		if err := json.Unmarshal(body, &p); err != nil || p.Validate() != nil {
			t.Fatalf("as a proposal: %v %v", err, p.Validate())
		}
	})
}

// FuzzGeometry reads arbitrary bytes as GeoJSON. It must not panic; what
// it refuses it refuses with EINVALID; what it accepts validates again,
// and encodes to GeoJSON that decodes to the same encoding.
func FuzzGeometry(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[30.5,50.4]}`,
		`{"type":"Point","coordinates":[30.5,50.4,100]}`,
		`{"type":"Point","coordinates":null}`,
		`{"type":"Point","coordinates":[30]}`,
		`{"type":"LineString","coordinates":[[30,50],[31,51]]}`,
		`{"type":"MultiLineString","coordinates":[[[30,50],[31,51]],[[31,50],[30,51]]]}`,
		`{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,46],[30,46],[30,44]],[[31,44.5],[31,45.5],[33,45.5],[33,44.5],[31,44.5]]]}`,
		`{"type":"Polygon","coordinates":[[[30,44],[34,46],[34,44],[30,46],[30,44]]]}`,
		`{"type":"Polygon","coordinates":[[[30,44],[34,44],[34,44],[34,46],[30,44]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[30,44],[34,44],[34,46],[30,44]]],[[[36,44],[37,44],[37,45],[36,44]]]]}`,
		`{"type":"MultiPolygon","coordinates":[]}`,
		`{"type":"GeometryCollection","geometries":[]}`,
		`{"type":"Point","coordinates":[1e400,0]}`,
		`{"type":"Point","coordinates":[-180,-90]}`,
		`null`, `[]`, `{}`, `"Point"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var g truce.Geometry
		if err := g.UnmarshalJSON(data); err != nil {
			checkOurs(t, "UnmarshalJSON", err)
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("decoded geometry does not validate: %v", err)
		}
		enc, err := json.Marshal(g)
		if err != nil {
			t.Fatalf("decoded geometry does not encode: %v", err)
		}
		var back truce.Geometry
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("encoded geometry does not decode: %v\n%s", err, enc)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(enc, again) {
			t.Fatalf("round trip changes the geometry:\n%s\n%s", enc, again)
		}
		w, s, e, n := g.Bounds()
		if !(w <= e && s <= n && w >= -180 && e <= 180 && s >= -90 && n <= 90) {
			t.Fatalf("Bounds %v %v %v %v of %s", w, s, e, n, enc)
		}
	})
}
