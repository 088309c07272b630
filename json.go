package truce

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// maxDepth bounds the nesting of any JSON Truce decodes. Real statements
// nest a handful of levels (a GeoJSON polygon is the deepest); the bound
// stops a hostile document from costing stack and time.
const maxDepth = 32

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and trailing data. Errors are EINVALID with a readable message.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(EINVALID, "%s.", jsonMessage(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Errorf(EINVALID, "Unexpected data after the JSON value.")
	}
	return nil
}

func jsonMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "Unexpected end of JSON"
	case errors.As(err, &syn):
		return "Malformed JSON at byte " + itoa(syn.Offset) + ": " + syn.Error()
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
