package importer

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// maxWKT bounds the WKT text parsed for one row; truce.Geometry takes at
// most 20,000 positions, which fit well within it.
const maxWKT = 2 << 20

// parseWKT parses WKT, or EWKT with an SRID of 4326 (WGS84).
func parseWKT(s string) (truce.Geometry, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return truce.Geometry{}, truce.Errorf(truce.EINVALID, "The WKT geometry is empty.")
	}
	if len(s) > maxWKT {
		return truce.Geometry{}, truce.Errorf(truce.EINVALID, "The WKT geometry is longer than %d bytes.", maxWKT)
	}
	if head, rest, ok := strings.Cut(s, ";"); ok && len(head) > 5 && strings.EqualFold(head[:5], "SRID=") {
		if srid, err := strconv.Atoi(strings.TrimSpace(head[5:])); err != nil || srid != 4326 {
			return truce.Geometry{}, truce.Errorf(truce.EINVALID, "WKT %s: only SRID=4326 (WGS84) is accepted.", head)
		}
		s = strings.TrimSpace(rest)
	}
	g, err := wkt.Unmarshal(s)
	if err != nil {
		return truce.Geometry{}, truce.Errorf(truce.EINVALID, "The WKT geometry is malformed: %s", strings.TrimPrefix(err.Error(), "wkt: "))
	}
	return fromOrb(g)
}

// fromOrb converts an orb geometry to a truce.Geometry of the same type,
// as geo.ToGeometry does; Site.Validate checks it.
func fromOrb(g orb.Geometry) (truce.Geometry, error) {
	if g == nil {
		return truce.Geometry{}, truce.Errorf(truce.EINVALID, "The geometry is missing.")
	}
	switch g.(type) {
	case orb.Point, orb.LineString, orb.MultiLineString, orb.Polygon, orb.MultiPolygon:
		return geo.ToGeometry(g), nil
	}
	return truce.Geometry{}, truce.Errorf(truce.EINVALID, "Geometry type %s is not one of Point, LineString, MultiLineString, Polygon, MultiPolygon.", g.GeoJSONType())
}
