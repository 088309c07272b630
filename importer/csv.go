package importer

import (
	"io"
	"strings"

	"github.com/truce-project/truce"
)

// csvColumns are the columns of a generic CSV file, resolved from Options
// and the header; "" means the file has no such column.
type csvColumns struct {
	id, name, lat, lon, wkt, category, country, controller, operator, source string
	attributes                                                               []string
}

// column returns the column named by the option set, which must exist, or
// else the first of defaults the header has; with required, one must.
func (t *table) column(what, set string, required bool, defaults ...string) (string, error) {
	if set != "" {
		return set, t.require(set)
	}
	c := t.pick(defaults...)
	if c == "" && required {
		return "", truce.Errorf(truce.EINVALID, "line 1: the header has no %s column (looked for %s); name it in the options.", what, strings.Join(defaults, ", "))
	}
	return c, nil
}

func (b *builder) csvColumns(t *table) (*csvColumns, error) {
	o := b.opts
	var c csvColumns
	var err error
	set := func(dst *string, what, opt string, required bool, defaults ...string) {
		if err == nil {
			*dst, err = t.column(what, opt, required, defaults...)
		}
	}
	set(&c.id, "id", o.IDColumn, true, "id")
	set(&c.name, "name", o.NameColumn, true, "name")
	if o.WKTColumn != "" {
		set(&c.wkt, "WKT", o.WKTColumn, true)
	} else {
		set(&c.lat, "latitude", o.LatColumn, true, "latitude", "lat")
		set(&c.lon, "longitude", o.LonColumn, true, "longitude", "lon", "lng")
	}
	if o.Category == "" {
		set(&c.category, "category", o.CategoryColumn, true, "category")
	}
	set(&c.country, "country", o.CountryColumn, false, "country")
	set(&c.controller, "controller", o.ControllerColumn, false, "controller")
	set(&c.operator, "operator", o.OperatorColumn, false, "operator")
	if o.Source == "" {
		set(&c.source, "source", "", false, "source")
	}
	if err != nil {
		return nil, err
	}
	if err := t.require(o.AttributeColumns...); err != nil {
		return nil, err
	}
	c.attributes = o.AttributeColumns
	return &c, nil
}

// readGenericCSV reads a CSV file whose columns Options names.
func readGenericCSV(r io.Reader, b *builder) error {
	t, err := newTable(r)
	if err != nil {
		return err
	}
	cols, err := b.csvColumns(t)
	if err != nil {
		return err
	}
	prefix := b.prefix("")
	return t.each(func(r *row) error {
		id := r.get(cols.id)
		if id == "" {
			return invalid(r.where, "%s is empty.", cols.id)
		}
		var g truce.Geometry
		var err error
		if cols.wkt != "" {
			g, err = parseWKT(r.get(cols.wkt))
			if err != nil {
				err = rowError(r.where, err)
			}
		} else {
			g, err = r.point(cols.lat, cols.lon)
		}
		if err != nil {
			return err
		}
		c, err := b.category(r.where, r.get(cols.category))
		if err != nil {
			return err
		}
		s := truce.Site{
			ID:         prefix + id,
			Name:       r.get(cols.name),
			Category:   c,
			Geometry:   g,
			Controller: r.get(cols.controller),
			Operator:   r.get(cols.operator),
			Source:     b.source(r.get(cols.source)),
			SourceRow:  id,
		}
		for _, a := range cols.attributes {
			if v := r.get(a); v != "" {
				if s.Attributes == nil {
					s.Attributes = map[string]string{}
				}
				s.Attributes[a] = v
			}
		}
		return b.add(r.where, s, r.get(cols.country), "")
	})
}

// category returns the fixed category of Options, or the category v names
// through Options.Categories or the taxonomy.
func (b *builder) category(where, v string) (truce.Category, error) {
	if b.opts.Category != "" {
		return b.opts.Category, nil
	}
	if v == "" {
		return "", invalid(where, "the category is empty.")
	}
	if c, ok := b.categories[strings.ToLower(v)]; ok {
		return c, nil
	}
	if c := truce.Category(v); c.Valid() {
		return c, nil
	}
	return "", invalid(where, "unknown category %q.", v)
}
