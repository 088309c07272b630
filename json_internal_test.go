package truce

import (
	"bytes"
	"encoding/json"
	"testing"
)

// keysRepeated is checkKeys as a token decoder would do it: slower, and
// plainly right. The fuzz test holds the byte scanner to its verdicts.
func keysRepeated(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys    map[string]bool
		wantKey bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			top := &stack[n-1]
			if k, ok := tok.(string); ok && top.wantKey {
				if top.keys[foldKey(k)] {
					return true
				}
				top.keys[foldKey(k)], top.wantKey = true, false
				continue
			}
			top.wantKey = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return false
		}
	}
}

func FuzzCheckKeys(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"A":2}`, `{"a":{"b":1},"c":[{"b":1},{"b":2}]}`, `{"k":1,"\u212a":2}`, `{"s":1,"ſ":2}`,
		`{"a\"b":1,"A\"B":2}`, `{"x":"a,\"b\":1","b":2}`, `[{"a":1},{"a":1}]`, `{"a":[],"b":{},"A":null}`,
		`{"\u0061":1,"a":2}`, `"plain"`, `{"é":1,"É":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		err := checkKeys(data)
		if got, want := err != nil, keysRepeated(data); got != want {
			t.Fatalf("checkKeys(%s) = %v; a token decoder finds repeated keys: %v", data, err, want)
		}
	})
}
