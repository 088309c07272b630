package importer

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
	"github.com/truce-project/truce"
)

const sourceOSM = "OpenStreetMap"

// osmTags are the tags copied into a site's attributes.
var osmTags = []string{
	"voltage", "cables", "frequency", "plant:source", "generator:source",
	"plant:output:electricity", "generator:output:electricity",
	"substance", "content", "product", "ref", "name:en",
}

// openScanner returns a scanner over r; nodesOnly asks for nodes alone, and
// keep, if not nil, says which nodes are worth decoding.
type openScanner func(r io.Reader, nodesOnly bool, keep func(*osm.Node) bool) osm.Scanner

func readOSMXML(r io.Reader, b *builder) error {
	return readOSM(r, b, func(r io.Reader, _ bool, _ func(*osm.Node) bool) osm.Scanner {
		return osmxml.New(context.Background(), r)
	})
}

func readOSMPBF(r io.Reader, b *builder) error {
	return readOSM(r, b, func(r io.Reader, nodesOnly bool, keep func(*osm.Node) bool) osm.Scanner {
		s := osmpbf.New(context.Background(), &pbfGuard{r: r}, min(runtime.GOMAXPROCS(0), 4))
		s.SkipWays, s.SkipRelations = nodesOnly, nodesOnly
		s.FilterNode = keep
		return s
	})
}

// osmImport is the state of one OpenStreetMap import.
type osmImport struct {
	b       *builder
	prefix  string
	source  string
	keepAll bool                    // one pass: keep every node's coordinates
	needed  map[osm.NodeID]struct{} // two passes: the nodes ways need
	coords  nodeStore
	ways    []pendingWay
}

// pendingWay is a way that maps to a category, waiting for its nodes'
// coordinates.
type pendingWay struct {
	site  truce.Site
	nodes osm.WayNodes
	area  bool
}

// readOSM reads an OpenStreetMap file. If r can seek, it reads the file
// twice: first the tagged nodes and the ways, then the coordinates of the
// nodes those ways need. Otherwise it keeps every node's coordinates.
func readOSM(r io.Reader, b *builder, open openScanner) error {
	er, _ := r.(*errReader)
	twoPass := er != nil && er.s != nil
	im := &osmImport{b: b, prefix: b.prefix("osm:"), source: b.source(sourceOSM), keepAll: !twoPass}
	var keep func(*osm.Node) bool
	if twoPass {
		im.needed = map[osm.NodeID]struct{}{}
		keep = func(n *osm.Node) bool { return len(n.Tags) > 0 }
	}
	if err := scan(open(r, false, keep), im.object); err != nil {
		return err
	}
	if twoPass && len(im.needed) > 0 {
		if !er.rewind() {
			return truce.Errorf(truce.EINTERNAL, "Cannot seek back to read the nodes.")
		}
		keep := func(n *osm.Node) bool { _, ok := im.needed[n.ID]; return ok }
		err := scan(open(r, true, keep), func(o osm.Object) error {
			if n, ok := o.(*osm.Node); ok && keep(n) {
				im.coords.add(int64(n.ID), truce.Position{n.Lon, n.Lat})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, w := range im.ways {
		if err := im.addWay(w); err != nil {
			return err
		}
	}
	return nil
}

// scan calls fn for every object of s.
func scan(s osm.Scanner, fn func(osm.Object) error) error {
	defer s.Close()
	for s.Scan() {
		if err := fn(s.Object()); err != nil {
			return err
		}
	}
	if err := s.Err(); err != nil {
		return truce.Errorf(truce.EINVALID, "The OpenStreetMap file is malformed: %v.", err)
	}
	return nil
}

// object handles one object of the first pass.
func (im *osmImport) object(o osm.Object) error {
	switch o := o.(type) {
	case *osm.Node:
		if im.keepAll {
			im.coords.add(int64(o.ID), truce.Position{o.Lon, o.Lat})
		}
		c := osmCategory(o.Tags)
		if c == "" {
			return nil
		}
		where := fmt.Sprintf("node %d", o.ID)
		if o.Lat == 0 && o.Lon == 0 {
			return invalid(where, "the node has no coordinates (or lies at 0, 0).")
		}
		s := im.site(o.Tags, c, "node", int64(o.ID))
		s.Geometry = truce.NewPoint(o.Lon, o.Lat)
		return im.b.add(where, s, "", "")
	case *osm.Way:
		c := osmCategory(o.Tags)
		if c == "" {
			return nil
		}
		w := pendingWay{site: im.site(o.Tags, c, "way", int64(o.ID)), nodes: o.Nodes, area: isArea(o.Tags, c)}
		if im.needed != nil {
			for _, n := range o.Nodes {
				if !hasCoords(n) {
					im.needed[n.ID] = struct{}{}
				}
			}
		}
		im.ways = append(im.ways, w)
	case *osm.Relation:
		if c := osmCategory(o.Tags); c != "" {
			s := truce.Site{ID: fmt.Sprintf("%srelation:%d", im.prefix, o.ID)}
			return im.b.add(fmt.Sprintf("relation %d", o.ID), s, "", "relations (multipolygons, routes) are not imported")
		}
	}
	return nil
}

// hasCoords reports whether a way node carries its coordinates, as in
// Overpass output with "out geom". The XML decoder gives no way to tell a
// missing coordinate from a zero, so 0, 0 (in the Gulf of Guinea, where
// nothing is protected) counts as missing, for nodes too.
func hasCoords(n osm.WayNode) bool { return n.Lat != 0 || n.Lon != 0 }

// site returns the site of a tagged element, without its geometry.
func (im *osmImport) site(tags osm.Tags, c truce.Category, kind string, id int64) truce.Site {
	s := truce.Site{
		ID:        fmt.Sprintf("%s%s:%d", im.prefix, kind, id),
		Category:  c,
		Operator:  clip(tags.Find("operator")),
		Source:    im.source,
		SourceRow: fmt.Sprintf("%s/%d", kind, id),
	}
	for _, k := range []string{"name", "name:en", "name:uk", "name:ru", "ref"} {
		if v := strings.TrimSpace(tags.Find(k)); v != "" {
			s.Name = clip(v)
			break
		}
	}
	if s.Name == "" {
		s.Name = unnamed(c, s.ID)
	}
	for _, k := range osmTags {
		if v := tags.Find(k); v != "" {
			if s.Attributes == nil {
				s.Attributes = map[string]string{}
			}
			s.Attributes[k] = clip(v)
		}
	}
	return s
}

// addWay gives a way its geometry and adds it.
func (im *osmImport) addWay(w pendingWay) error {
	where := "way " + strings.TrimPrefix(w.site.SourceRow, "way/")
	var ps []truce.Position
	for _, n := range w.nodes {
		p, ok := truce.Position{n.Lon, n.Lat}, true
		if !hasCoords(n) {
			p, ok = im.coords.get(int64(n.ID))
		}
		if !ok {
			return im.b.add(where, w.site, "", "ways with nodes missing from the file")
		}
		if p == (truce.Position{}) {
			return invalid(where, "node %d has no coordinates (or lies at 0, 0).", n.ID)
		}
		if len(ps) == 0 || ps[len(ps)-1] != p {
			ps = append(ps, p)
		}
	}
	closed := len(w.nodes) > 1 && w.nodes[0].ID == w.nodes[len(w.nodes)-1].ID
	if w.area && closed && len(ps) >= 4 {
		w.site.Geometry = truce.Geometry{Type: "Polygon", Polygons: [][][]truce.Position{{ps}}}
	} else {
		w.site.Geometry = truce.Geometry{Type: "LineString", Lines: [][]truce.Position{ps}}
	}
	return im.b.add(where, w.site, "", "")
}

// osmCategory maps an element's tags to a category, or "" if it is not a
// protected object.
func osmCategory(t osm.Tags) truce.Category {
	if len(t) == 0 {
		return ""
	}
	power := t.Find("power")
	switch power {
	case "plant", "generator":
		c := plantSource(t.Find("plant:source"), t.Find("generator:source"))
		if c == otherGen {
			if k := nameCategory(t.Find("name")); k != "" && k != substation {
				c = k
			}
		}
		return c
	case "substation":
		return substation
	case "line":
		return powerLine
	}
	if t.Find("waterway") == "dam" {
		if power != "" {
			return hydro
		}
		return dam
	}
	if t.Find("amenity") == "hospital" || t.Find("healthcare") == "hospital" {
		return hospital
	}
	manMade := t.Find("man_made")
	switch {
	case manMade == "pipeline":
		return pick(t.Find("substance"), oilPipe, gasPipe)
	case t.Find("industrial") == "refinery" || manMade == "works" && hasValue(t.Find("product"), "oil"):
		return refinery
	case manMade == "storage_tank":
		return pick(t.Find("content"), oilStorage, gasStorage)
	}
	return ""
}

// pick returns ifOil or ifGas for a ';'-separated substance list naming
// oil or gas, or "" for anything else.
func pick(substance string, ifOil, ifGas truce.Category) truce.Category {
	switch {
	case hasValue(substance, "oil"):
		return ifOil
	case hasValue(substance, "gas"):
		return ifGas
	}
	return ""
}

// hasValue reports whether a ';'-separated tag value lists v.
func hasValue(list, v string) bool {
	for _, x := range strings.Split(list, ";") {
		if strings.EqualFold(strings.TrimSpace(x), v) {
			return true
		}
	}
	return false
}

// plantSource maps plant:source or generator:source to a generation
// category: the first value of the ';'-separated list that is known.
func plantSource(values ...string) truce.Category {
	for _, list := range values {
		for _, v := range strings.Split(list, ";") {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "nuclear":
				return nuclear
			case "hydro":
				return hydro
			case "coal", "gas", "oil", "diesel":
				return thermal
			case "solar":
				return solar
			case "wind":
				return wind
			}
		}
	}
	return otherGen
}

// isArea reports whether a closed way with these tags is an area rather
// than a ring-shaped line.
func isArea(t osm.Tags, c truce.Category) bool {
	switch t.Find("area") {
	case "yes":
		return true
	case "no":
		return false
	}
	return c != powerLine && c != oilPipe && c != gasPipe
}

// maxText is the longest name or attribute a site takes, in bytes.
const maxText = 300

// clip shortens s to maxText bytes, at a character boundary: OSM values
// run to 255 characters, which can be more bytes than a site takes.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	n := maxText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// nodeStore keeps node coordinates compactly: 24 bytes a node.
type nodeStore struct {
	ids      []int64
	pos      []truce.Position
	unsorted bool
}

func (s *nodeStore) add(id int64, p truce.Position) {
	if n := len(s.ids); n > 0 && s.ids[n-1] >= id {
		s.unsorted = true
	}
	s.ids = append(s.ids, id)
	s.pos = append(s.pos, p)
}

func (s *nodeStore) get(id int64) (truce.Position, bool) {
	if s.unsorted {
		sort.Stable(s)
		s.unsorted = false
	}
	i := sort.Search(len(s.ids), func(i int) bool { return s.ids[i] >= id })
	if i < len(s.ids) && s.ids[i] == id {
		return s.pos[i], true
	}
	return truce.Position{}, false
}

func (s *nodeStore) Len() int           { return len(s.ids) }
func (s *nodeStore) Less(i, j int) bool { return s.ids[i] < s.ids[j] }
func (s *nodeStore) Swap(i, j int) {
	s.ids[i], s.ids[j] = s.ids[j], s.ids[i]
	s.pos[i], s.pos[j] = s.pos[j], s.pos[i]
}
