package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/truce-project/truce"
)

// table reads a CSV file with a header row; columns are found by name.
type table struct {
	r    *csv.Reader
	cols map[string]int // lower-cased, trimmed header name -> index
}

// row is one data record of a table.
type row struct {
	t     *table
	line  int
	where string // "line N"
	rec   []string
}

func newTable(r io.Reader) (*table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, truce.Errorf(truce.EINVALID, "The file is empty: a header row is required.")
	}
	if err != nil {
		return nil, csvError(err)
	}
	t := &table{r: cr, cols: map[string]int{}}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := t.cols[h]; !dup {
			t.cols[h] = i
		}
	}
	return t, nil
}

// has reports whether the header has the column.
func (t *table) has(name string) bool {
	_, ok := t.cols[strings.ToLower(name)]
	return ok
}

// pick returns the first of names the header has, or "".
func (t *table) pick(names ...string) string {
	for _, n := range names {
		if n != "" && t.has(n) {
			return n
		}
	}
	return ""
}

// require returns EINVALID naming the first of the columns the header
// lacks.
func (t *table) require(names ...string) error {
	for _, n := range names {
		if !t.has(n) {
			return truce.Errorf(truce.EINVALID, "line 1: the header has no column %q.", n)
		}
	}
	return nil
}

// next returns the next row, or nil at the end of the file.
func (t *table) next() (*row, error) {
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, csvError(err)
	}
	line, _ := t.r.FieldPos(0)
	return &row{t: t, line: line, where: fmt.Sprintf("line %d", line), rec: rec}, nil
}

// each calls fn for every data row.
func (t *table) each(fn func(*row) error) error {
	for {
		r, err := t.next()
		if err != nil || r == nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return truce.Errorf(truce.EINVALID, "line %d: %v.", pe.Line, pe.Err)
	}
	return truce.Errorf(truce.EINVALID, "Malformed CSV: %v.", err)
}

// get returns the trimmed value of the named column, "" if the header has
// no such column.
func (r *row) get(name string) string {
	i, ok := r.t.cols[strings.ToLower(name)]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// point reads a position from the latitude and longitude columns.
func (r *row) point(latCol, lonCol string) (truce.Geometry, error) {
	lat, err := coordinate(r.where, latCol, r.get(latCol), 90)
	if err != nil {
		return truce.Geometry{}, err
	}
	lon, err := coordinate(r.where, lonCol, r.get(lonCol), 180)
	if err != nil {
		return truce.Geometry{}, err
	}
	return truce.NewPoint(lon, lat), nil
}

// coordinate parses a latitude or longitude within [-limit, limit].
func coordinate(where, col, s string, limit float64) (float64, error) {
	if s == "" {
		return 0, invalid(where, "%s is empty.", col)
	}
	if strings.EqualFold(s, "nan") || strings.Contains(strings.ToLower(s), "inf") {
		return 0, invalid(where, "%s %q is not a finite number.", col, s)
	}
	v, err := parseDecimal(s)
	if err != nil {
		return 0, invalid(where, "%s %q is not a number.", col, s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, invalid(where, "%s %q is not a finite number.", col, s)
	}
	if v < -limit || v > limit {
		return 0, invalid(where, "%s %v is outside [%v, %v].", col, v, -limit, limit)
	}
	return v, nil
}

// number checks that a non-empty value is a finite, non-negative number,
// such as a capacity or a length, and returns it as written.
func number(where, col, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	v, err := parseDecimal(s)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return "", invalid(where, "%s %q is not a non-negative number.", col, s)
	}
	return s, nil
}

// parseDecimal parses a number written in decimal, such as "-12.5" or
// "1e3"; strconv.ParseFloat alone would also take "0x1p4", "Inf" and
// "NaN".
func parseDecimal(s string) (float64, error) {
	for _, c := range s {
		if !('0' <= c && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseFloat(s, 64)
}

// attrs builds an attribute map from key and value pairs, leaving out
// empty values; it returns nil if all are empty.
func attrs(kv ...string) map[string]string {
	var m map[string]string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}
