package truce

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxDepth bounds the nesting of any JSON Truce decodes. Real statements
// nest a handful of levels (a GeoJSON polygon is the deepest); the bound
// stops a hostile document from costing stack and time.
const maxDepth = 32

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields, trailing data and repeated keys. Errors are EINVALID with a
// readable message.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(EINVALID, "%s.", jsonMessage(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Errorf(EINVALID, "Unexpected data after the JSON value.")
	}
	return checkKeys(data)
}

// checkKeys returns EINVALID if an object in the JSON value data has two
// keys that are equal without regard to case. encoding/json matches field
// names that way and keeps the last of two; another decoder may keep the
// first, or tell them apart, and so read a signed statement differently.
// The value must be well formed: it scans bytes, as a replay checks every
// statement and a token decoder costs as much as decoding it.
func checkKeys(data []byte) error {
	// One frame per open array or object; an object's frame holds its
	// keys, folded, and whether the next string is a key.
	type frame struct {
		object  bool
		wantKey bool
		keys    []string
	}
	stack := make([]frame, 0, 8)
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{':
			stack = append(stack, frame{object: true, wantKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		case '"':
			end := stringEnd(data, i)
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				top := &stack[n-1]
				k, err := foldedKey(data[i : end+1])
				if err != nil {
					return err
				}
				for _, seen := range top.keys {
					if seen == k {
						var raw string
						json.Unmarshal(data[i:end+1], &raw)
						return Errorf(EINVALID, "Key %q appears twice in one object (keys are compared without regard to case).", raw)
					}
				}
				top.keys = append(top.keys, k)
				top.wantKey = false
			}
			i = end
		}
	}
	return nil
}

// stringEnd returns the index of the quote that closes the string whose
// opening quote is at data[start].
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data) - 1
}

// foldedKey returns foldKey of the JSON string quoted, without decoding
// it when it is plain ASCII, as keys nearly always are.
func foldedKey(quoted []byte) (string, error) {
	plain := true
	for _, c := range quoted[1 : len(quoted)-1] {
		if c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		// In ASCII, a letter's case folding orbit is itself and its other
		// case, except k and s, whose orbits hold K and S too: the least
		// rune is the upper case.
		return strings.ToUpper(string(quoted[1 : len(quoted)-1])), nil
	}
	var k string
	if err := json.Unmarshal(quoted, &k); err != nil {
		return "", Errorf(EINVALID, "%s.", jsonMessage(err))
	}
	return foldKey(k), nil
}

// foldKey maps every rune of k to the least rune of its case folding
// orbit, as encoding/json does when it matches a key to a field name.
func foldKey(k string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, k)
}

func jsonMessage(err error) string {
	// A custom decoder (Geometry, Duration, Position) has said what is
	// wrong in words already.
	var te *Error
	if errors.As(err, &te) {
		return strings.TrimSuffix(te.Message, ".")
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "Unexpected end of JSON"
	case errors.As(err, &syn):
		return "Malformed JSON at byte " + itoa(syn.Offset) + ": " + syn.Error()
	case errors.As(err, &tim):
		return "Time " + strconv.Quote(tim.Value) + " is not an RFC 3339 time such as 2025-03-18T12:00:00Z"
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the document"
		}
		return "Field " + field + " must be " + typeName(typ.Type.Kind().String()) + ", not " + typ.Value
	default:
		// Unknown fields and other decoder messages are already plain.
		return "Malformed JSON: " + err.Error()
	}
}

func typeName(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	default:
		return "a number"
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// checkDepth returns EINVALID if data nests arrays and objects deeper than
// max. It scans bytes, skipping strings, and does not validate the JSON.
func checkDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return Errorf(EINVALID, "JSON nests deeper than %d levels.", max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
