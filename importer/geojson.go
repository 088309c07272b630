package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"
	"github.com/truce-project/truce"
)

// readGeoJSON reads a FeatureCollection (or a single Feature), one feature
// at a time so that errors can name the feature's line.
func readGeoJSON(r io.Reader, b *builder) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return truce.Errorf(truce.EINVALID, "line 1: the file is not a GeoJSON object.")
	}
	lines := &lineCounter{data: data, line: 1}
	var typ string
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(lines, dec, err)
		}
		switch tok {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return jsonError(lines, dec, err)
			}
		case "features":
			if n, err = b.features(dec, lines, n); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return jsonError(lines, dec, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonError(lines, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return truce.Errorf(truce.EINVALID, "line %d: data after the GeoJSON object.", lines.at(int(dec.InputOffset())))
	}
	switch typ {
	case "FeatureCollection":
		return nil
	case "Feature":
		if n == 0 {
			return b.feature("feature 1 (line 1)", data)
		}
	}
	return truce.Errorf(truce.EINVALID, "line 1: GeoJSON type %q is not FeatureCollection or Feature.", typ)
}

// features reads the features array; n counts the features read so far.
func (b *builder) features(dec *json.Decoder, lines *lineCounter, n int) (int, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return n, truce.Errorf(truce.EINVALID, "line %d: features is not an array.", lines.at(int(dec.InputOffset())))
	}
	for dec.More() {
		start := lines.skip(int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, jsonError(lines, dec, err)
		}
		n++
		if err := b.feature(fmt.Sprintf("feature %d (line %d)", n, lines.at(start)), raw); err != nil {
			return n, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, jsonError(lines, dec, err)
	}
	return n, nil
}

func jsonError(lines *lineCounter, dec *json.Decoder, err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		return truce.Errorf(truce.EINVALID, "line %d: malformed JSON: %v.", lines.at(int(se.Offset)), err)
	}
	return truce.Errorf(truce.EINVALID, "line %d: malformed GeoJSON: %v.", lines.at(int(dec.InputOffset())), err)
}

// lineCounter turns byte offsets into line numbers, for offsets that do
// not decrease.
type lineCounter struct {
	data []byte
	pos  int
	line int
}

func (l *lineCounter) at(off int) int {
	off = min(max(off, l.pos), len(l.data))
	l.line += bytes.Count(l.data[l.pos:off], []byte{'\n'})
	l.pos = off
	return l.line
}

// skip returns the offset of the first byte at or after off that is not
// white space or a comma: where the next array element starts.
func (l *lineCounter) skip(off int) int {
	for off < len(l.data) && strings.IndexByte(" \t\r\n,", l.data[off]) >= 0 {
		off++
	}
	return off
}

// feature imports one GeoJSON feature.
func (b *builder) feature(where string, raw []byte) error {
	f, err := geojson.UnmarshalFeature(raw)
	if err != nil {
		return invalid(where, "not a GeoJSON feature (%v).", err)
	}
	o := b.opts
	p := props(f.Properties)
	idName := or(o.IDColumn, "id")
	id, err := p.text(where, idName)
	if err != nil {
		return err
	}
	if id == "" {
		if id, err = scalar(where, "id", f.ID); err != nil {
			return err
		}
	}
	if id == "" {
		return invalid(where, "the feature has no id (property %q or the feature's id).", idName)
	}
	if err := checkPositions(raw); err != nil {
		return rowError(where, err)
	}
	g, err := fromOrb(f.Geometry)
	if err != nil {
		return rowError(where, err)
	}
	s := truce.Site{ID: b.prefix("") + id, Geometry: g, SourceRow: id}
	var cat, country, source string
	for _, f := range []struct {
		dst  *string
		name string
	}{
		{&s.Name, or(o.NameColumn, "name")},
		{&cat, or(o.CategoryColumn, "category")},
		{&country, or(o.CountryColumn, "country")},
		{&s.Controller, or(o.ControllerColumn, "controller")},
		{&s.Operator, or(o.OperatorColumn, "operator")},
		{&source, "source"},
	} {
		if *f.dst, err = p.text(where, f.name); err != nil {
			return err
		}
	}
	if s.Category, err = b.category(where, cat); err != nil {
		return err
	}
	s.Source = b.source(source)
	for _, a := range o.AttributeColumns {
		v, err := p.attribute(a)
		if err != nil {
			return invalid(where, "property %s: %v", a, err)
		}
		if v != "" {
			if s.Attributes == nil {
				s.Attributes = map[string]string{}
			}
			s.Attributes[a] = v
		}
	}
	return b.add(where, s, country, "")
}

// positionDepth is how deeply each geometry type nests its positions.
var positionDepth = map[string]int{"Point": 0, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}

// checkPositions rejects what orb would read without complaint as zeros:
// null coordinates, or a position with fewer than two numbers ("[30]"
// would become longitude 30, latitude 0).
func checkPositions(feature []byte) error {
	var f struct {
		Geometry *struct {
			Type        string `json:"type"`
			Coordinates any    `json:"coordinates"`
		} `json:"geometry"`
	}
	if err := json.Unmarshal(feature, &f); err != nil || f.Geometry == nil {
		return nil // orb has the say
	}
	depth, ok := positionDepth[f.Geometry.Type]
	if !ok {
		return nil
	}
	if !positions(f.Geometry.Coordinates, depth) {
		return truce.Errorf(truce.EINVALID, "Geometry %s: every position needs a longitude and a latitude.", f.Geometry.Type)
	}
	return nil
}

func positions(v any, depth int) bool {
	a, ok := v.([]any)
	if !ok {
		return false
	}
	if depth == 0 {
		if len(a) < 2 {
			return false
		}
		for _, x := range a {
			if _, ok := x.(float64); !ok {
				return false
			}
		}
		return true
	}
	for _, x := range a {
		if !positions(x, depth-1) {
			return false
		}
	}
	return true
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// props are a feature's properties, looked up regardless of case.
type props map[string]any

func (p props) get(name string) any {
	if v, ok := p[name]; ok {
		return v
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			return p[k]
		}
	}
	return nil
}

// text returns a string, number or boolean property as text, trimmed.
func (p props) text(where, name string) (string, error) {
	return scalar(where, "property "+name, p.get(name))
}

func scalar(where, what string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", invalid(where, "%s must be a string or a number.", what)
}

// attribute returns a property as text: objects and arrays as JSON.
func (p props) attribute(name string) (string, error) {
	v := p.get(name)
	if s, err := scalar("", "", v); err == nil {
		return s, nil
	}
	out, err := json.Marshal(v)
	return string(out), err
}
