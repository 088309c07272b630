package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/truce-project/truce"
	"go.yaml.in/yaml/v3"
)

// readAgreement reads agreement terms from a YAML or JSON file (by its
// extension; YAML otherwise) and validates them.
func readAgreement(path string) (*truce.Agreement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Cannot read %s: %v.", path, err)
	}
	a, err := decodeAgreement(data, strings.EqualFold(filepath.Ext(path), ".json"))
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "%s: %s", path, truce.ErrorMessage(err))
	}
	return a, nil
}

// decodeAgreement decodes terms from JSON, or from YAML by way of JSON so
// that both formats obey the same strict rules.
func decodeAgreement(data []byte, isJSON bool) (*truce.Agreement, error) {
	if !isJSON {
		j, err := yamlToJSON(data)
		if err != nil {
			return nil, err
		}
		data = j
	}
	return truce.DecodeAgreement(data)
}

// yamlToJSON converts a YAML document to JSON for a strict JSON decoder.
// Timestamps keep their text, so that the JSON decoder reads them as it
// reads JSON, as RFC 3339 with an offset: YAML would take a date, or a
// time without an offset, as UTC without a word. A NaN or an infinity,
// which JSON cannot hold, is an error that names its line.
func yamlToJSON(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Malformed YAML: %s.", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := plainYAML(&doc); err != nil {
		return nil, err
	}
	var v any
	if err := doc.Decode(&v); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Malformed YAML: %s.", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	j, err := json.Marshal(normalizeYAML(v))
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "The YAML holds a value JSON cannot: %v.", err)
	}
	return j, nil
}

// plainYAML retags the timestamps of the tree under n as strings and
// refuses non-finite numbers. It follows the tree, not aliases, so it
// visits each node once.
func plainYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!timestamp":
			n.Tag = "!!str"
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				return truce.Errorf(truce.EINVALID, "Line %d: %s is not a finite number; JSON, and so Truce, holds finite numbers only.", n.Line, n.Value)
			}
		}
	}
	for _, c := range n.Content {
		if err := plainYAML(c); err != nil {
			return err
		}
	}
	return nil
}

// normalizeYAML turns YAML's map[any]any, which JSON cannot encode, into
// map[string]any, and refuses nothing: a non-string key becomes its text.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeYAML(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalizeYAML(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalizeYAML(e)
		}
		return x
	}
	return v
}
