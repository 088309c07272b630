package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// readDemoAgreement returns the text of a demo agreement file.
func readDemoAgreement(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("demo", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// wantAgreementError fails the test unless err is EINVALID and its
// message contains every one of words.
func wantAgreementError(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("%s: error %v, want invalid", what, err)
		return
	}
	for _, w := range words {
		if !strings.Contains(truce.ErrorMessage(err), w) {
			t.Errorf("%s: message %q does not mention %q", what, truce.ErrorMessage(err), w)
		}
	}
}

func TestDecodeDemoAgreements(t *testing.T) {
	v1, err := decodeAgreement([]byte(readDemoAgreement(t, "energy-moratorium-v1.yaml")), false)
	if err != nil {
		t.Fatalf("v1: %v", err)
	}
	v2, err := decodeAgreement([]byte(readDemoAgreement(t, "energy-moratorium-v2.yaml")), false)
	if err != nil {
		t.Fatalf("v2: %v", err)
	}
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	expiry := time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		a                   *truce.Agreement
		version, supersedes int
		from                time.Time
		clauses             string
	}{
		{v1, 1, 0, day(18), "E1 E2 E3 E4 E5"},
		{v2, 2, 1, day(25), "E1 E2 E3 E4 E5 M1"},
	} {
		a := c.a
		var ids []string
		for _, cl := range a.Clauses {
			ids = append(ids, cl.ID)
		}
		switch {
		case a.ID != "energy-moratorium" || a.Version != c.version || a.Supersedes != c.supersedes:
			t.Errorf("v%d: id %s version %d supersedes %d", c.version, a.ID, a.Version, a.Supersedes)
		case strings.Join(a.Parties, " ") != "ua ru" || a.Mediator != "us":
			t.Errorf("v%d: parties %v, mediator %s", c.version, a.Parties, a.Mediator)
		case !a.Window.From.Equal(c.from) || a.Window.Until == nil || !a.Window.Until.Equal(expiry) || !a.Window.Extendable:
			t.Errorf("v%d: window %+v", c.version, a.Window)
		case strings.Join(ids, " ") != c.clauses:
			t.Errorf("v%d: clauses %v, want %s", c.version, ids, c.clauses)
		case time.Duration(a.Corroboration.Window) != 6*time.Hour || a.Corroboration.Metres != 5000:
			t.Errorf("v%d: corroboration %+v", c.version, a.Corroboration)
		case time.Duration(a.ReplyDeadline) != 72*time.Hour:
			t.Errorf("v%d: reply deadline %v", c.version, a.ReplyDeadline)
		case a.Publication.Incidents != "determined" || a.Publication.CoarsenMetres != 5000 || strings.Join(a.Publication.RestrictedSiteFields, ",") != "operator":
			t.Errorf("v%d: publication %+v", c.version, a.Publication)
		}
	}
	// E1 to E5 keep their text from v1 to v2: no clause id is reused for
	// other words.
	for _, c := range v1.Clauses {
		if d := v2.Clause(c.ID); d == nil || !reflect.DeepEqual(c, *d) {
			t.Errorf("clause %s differs between the versions:\n%+v\n%+v", c.ID, c, d)
		}
	}
	e2 := v1.Clause("E2")
	if !strings.HasPrefix(e2.Text, "The Parties refrain from strikes against oil and gas pipelines and\nstorage") &&
		e2.Text != "The Parties refrain from strikes against oil and gas pipelines and storage facilities, including pumping stations." {
		t.Errorf("folded text of E2: %q", e2.Text)
	}
	if len(e2.Buffers) != 2 || e2.Buffers[1] != (truce.Buffer{Category: "energy.oil.pumping", Metres: 500}) {
		t.Errorf("buffers of E2: %+v", e2.Buffers)
	}
	m1 := v2.Clause("M1")
	if m1.Zone == nil || m1.Zone.Type != "Polygon" || len(m1.Zone.Polygons) != 1 || len(m1.Zone.Polygons[0][0]) != 25 {
		t.Fatalf("zone of M1: %+v", m1.Zone)
	}
	if w, s, e, n := m1.Zone.Bounds(); w != 27.9 || s != 40.9 || e != 41.6 || n != 46.6 {
		t.Errorf("bounds of the Black Sea: %v %v %v %v", w, s, e, n)
	}
	if strings.Join(categoryNames(m1.Protects), ",") != "maritime" || m1.Prohibits[0] != truce.ActForceAtSea {
		t.Errorf("M1 protects %v, prohibits %v", m1.Protects, m1.Prohibits)
	}
}

func categoryNames(cs []truce.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// TestAgreementJSONForm checks that the JSON form of each demo agreement
// decodes to the value its YAML form decodes to, from bytes and from a
// file named .json.
func TestAgreementJSONForm(t *testing.T) {
	for _, name := range []string{"energy-moratorium-v1.yaml", "energy-moratorium-v2.yaml"} {
		fromYAML, err := decodeAgreement([]byte(readDemoAgreement(t, name)), false)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.MarshalIndent(fromYAML, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, err := decodeAgreement(data, true)
		if err != nil {
			t.Fatalf("%s as JSON: %v", name, err)
		}
		if !reflect.DeepEqual(fromYAML, fromJSON) {
			t.Errorf("%s: JSON form decodes to another value:\n%+v\n%+v", name, fromYAML, fromJSON)
		}
		// JSON is YAML too: read as YAML, it is the same agreement.
		fromBoth, err := decodeAgreement(data, false)
		if err != nil || !reflect.DeepEqual(fromYAML, fromBoth) {
			t.Errorf("%s: JSON read as YAML: %v", name, err)
		}
		dir := t.TempDir()
		for _, file := range []string{"terms.json", "TERMS.JSON", "terms.yaml"} {
			path := filepath.Join(dir, file)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := readAgreement(path)
			if err != nil || !reflect.DeepEqual(a, fromYAML) {
				t.Errorf("readAgreement(%s): %v", file, err)
			}
		}
	}
}

func TestDecodeAgreementYAMLRefuses(t *testing.T) {
	v2 := readDemoAgreement(t, "energy-moratorium-v2.yaml")
	lineOf := func(s string) string {
		i := strings.Index(v2, s)
		return "Line " + strconv.Itoa(strings.Count(v2[:i], "\n")+1)
	}
	replace := func(old, new string) string {
		if !strings.Contains(v2, old) {
			t.Fatalf("the demo file does not contain %q", old)
		}
		return strings.Replace(v2, old, new, 1)
	}
	bomb := "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i, c := range "bcdefghi" {
		prev := string("abcdefgh"[i])
		bomb += string(c) + ": &" + string(c) + " [" + strings.Repeat("*"+prev+", ", 8) + "*" + prev + "]\n"
	}
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"malformed: a key indented under a scalar", "id: x\nversion: 1\n  title: bad\n", []string{"Malformed YAML", "line 3"}},
		{"malformed: a tab", "id: x\n\tversion: 1\n", []string{"Malformed YAML", "line 2"}},
		{"malformed: an unclosed list", replace("parties: [ua, ru]", "parties: [ua, ru"), []string{"Malformed YAML", "line"}},
		{"a key twice", replace("title: Moratorium", "title: x\ntitle: Moratorium"), []string{"title", "line"}},
		{"NaN in a zone coordinate", replace("[28.0, 41.6], [29.1, 41.2]", "[.nan, 41.6], [29.1, 41.2]"), []string{lineOf("[28.0, 41.6], [29.1"), ".nan", "finite"}},
		{"infinity in a zone coordinate", replace("[31.2, 41.1]", "[31.2, .inf]"), []string{lineOf("[31.2, 41.1]"), ".inf"}},
		{"minus infinity in a zone coordinate", replace("[31.2, 41.1]", "[-.Inf, 41.1]"), []string{"-.Inf"}},
		{"NaN metres", replace("metres: 5000", "metres: .NaN"), []string{".NaN"}},
		{"a coordinate out of range", replace("[31.2, 41.1]", "[31.2, 95]"), []string{"Latitude 95"}},
		{"an open zone", replace(", [27.9, 43.2], [28.0, 41.6]]", ", [27.9, 43.2]]"), []string{"closed"}},
		{"unknown field", replace("title: Moratorium", "titel: x\ntitle: Moratorium"), []string{`"titel"`}},
		{"unknown field in a clause", replace("    title: Black Sea", "    title: Black Sea\n    area: sea"), []string{`"area"`}},
		{"a number as a key", replace("title: Moratorium", "1: x\ntitle: Moratorium"), []string{`"1"`}},
		{"a list as a key", "? [a, b]\n: c\n", []string{"Malformed YAML"}},
		{"date without a time", replace("from: 2025-03-25T00:00:00Z", "from: 2025-03-25"), []string{"2025-03-25", "RFC 3339"}},
		{"time without an offset", replace("from: 2025-03-25T00:00:00Z", "from: 2025-03-25T00:00:00"), []string{"2025-03-25T00:00:00", "RFC 3339"}},
		{"tagged timestamp without an offset", replace("from: 2025-03-25T00:00:00Z", "from: !!timestamp 2025-03-25 00:00:00"), []string{"RFC 3339"}},
		{"a duration as a number", replace("reply_deadline: 72h", "reply_deadline: 72"), []string{"duration"}},
		{"an unknown category", replace("protects: [maritime]", "protects: [maritime.fishing]"), []string{"clause M1", "maritime.fishing"}},
		{"a clause id twice", replace("  - id: M1", "  - id: E5"), []string{`"E5"`, "twice"}},
		{"an empty document", "", []string{"id"}},
		{"a list", "- id: x\n", []string{"object"}},
		{"an alias bomb", bomb, []string{"Malformed YAML"}},
		{"nested too deep", "id: " + strings.Repeat("[", 50) + strings.Repeat("]", 50) + "\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := decodeAgreement([]byte(tt.yaml), false)
			wantAgreementError(t, "decodeAgreement", err, tt.want...)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	// A time with an offset is read as written.
	a, err := decodeAgreement([]byte(replace("from: 2025-03-25T00:00:00Z", "from: 2025-03-25T02:00:00+02:00")), false)
	if err != nil || !a.Window.From.Equal(time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a time with an offset: %v %v", a, err)
	}
	// A quoted timestamp is a string in YAML, and reads the same.
	if _, err := decodeAgreement([]byte(replace("from: 2025-03-25T00:00:00Z", `from: "2025-03-25T00:00:00Z"`)), false); err != nil {
		t.Errorf("a quoted time: %v", err)
	}
}

func TestReadAgreementNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("id: x\nversion: 1\n  title: bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readAgreement(path)
	wantAgreementError(t, "readAgreement", err, path, "line 3")
	_, err = readAgreement(filepath.Join(t.TempDir(), "missing.yaml"))
	wantAgreementError(t, "a missing file", err, "missing.yaml")
}

// FuzzDecodeAgreementYAML decodes arbitrary bytes as YAML terms. It must
// not panic or refuse with anything but EINVALID, and what it accepts has
// a JSON form that decodes to the same terms.
func FuzzDecodeAgreementYAML(f *testing.F) {
	for _, name := range []string{"energy-moratorium-v1.yaml", "energy-moratorium-v2.yaml"} {
		data, err := os.ReadFile(filepath.Join("demo", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "id: x\n", "a: &a [1]\nb: [*a, *a]\n", "from: 2025-03-25\n", "x: .nan\n", "? [a]\n: b\n", "- 1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeAgreement(data, false)
		if err != nil {
			if truce.ErrorCode(err) != truce.EINVALID || truce.ErrorMessage(err) == "" {
				t.Fatalf("error %#v is not EINVALID with a message", err)
			}
			return
		}
		j, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("accepted terms do not encode: %v", err)
		}
		b, err := decodeAgreement(j, true)
		if err != nil {
			t.Fatalf("JSON form refused: %v\n%s", err, j)
		}
		again, _ := json.Marshal(b)
		if string(again) != string(j) {
			t.Fatalf("JSON form differs:\n%s\n%s", j, again)
		}
	})
}
