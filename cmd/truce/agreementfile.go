package main

import (
	"encoding/json"
	"fmt"
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
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, truce.Errorf(truce.EINVALID, "Malformed YAML: %s.", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		j, err := json.Marshal(normalizeYAML(v))
		if err != nil {
			return nil, truce.Errorf(truce.EINVALID, "The YAML holds a value JSON cannot: %v.", err)
		}
		data = j
	}
	return truce.DecodeAgreement(data)
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
