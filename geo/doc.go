// Package geo measures distances between positions and the geometries of
// protected sites, tests whether a position lies in a clause's zone, and
// indexes the sites so that the service and the assessment engine can ask
// which of them lie near a point.
//
// The service answers GET /v1/sites?near=LAT,LON,METRES&bbox=&category=&at=
// with [Index.Near] and [Index.InBox]; the engine asks, for a report at a
// point with an uncertainty radius, which protected sites lie within the
// radius plus the clause's buffer, and how far each is:
//
//	x := geo.NewIndex[string]()
//	err := x.Build(items) // from the registry: geo.SiteItem(&site) for each
//	...
//	hits := x.Near(report.Point, radius+buffer, geo.Filter{
//		Categories: clause.Protects, // "energy" selects "energy.oil.refinery"
//		At:         report.Start,    // sites declared by then and not retired
//	})
//	for _, h := range hits { // nearest first, then by ID
//		fmt.Println(h.ID, h.Metres)
//	}
//
// It uses [github.com/paulmach/orb] for geometry types ([FromGeometry] and
// [ToGeometry] convert) and for point-in-polygon tests.
//
// # Coordinates
//
// Positions are WGS84 longitude and latitude in decimal degrees, in the
// GeoJSON order, as [truce.Position] has them. Lines and polygon edges are
// straight in longitude and latitude, as RFC 7946 draws them. Geometries
// that the index holds, and that [Distance] measures, must have finite
// positions in range: longitude in [-180, 180], latitude in [-90, 90].
// A query position that is NaN or infinite gets no answer (nil, NaN or
// false); a finite one out of range is clamped into it.
//
// Longitudes are not wrapped at the antimeridian. The data this package
// was made for lies between 20°E and 180°, and only the far east of
// Russia reaches 180. There a geometry that crosses the antimeridian must
// be split in two at ±180, as RFC 7946 (section 3.1.9) asks, and a query
// near one side of the line finds nothing on the other: from 179.9°E,
// nothing at -179.9°, in Chukotka. [Index.InBox] does take a box that
// crosses the line, with west greater than east.
//
// # Distances
//
// [Distance] measures metres on a sphere of radius [EarthRadius], in a
// local equirectangular frame around the query point q: a degree of
// latitude is EarthRadius·π/180 metres, and a degree of longitude that
// times the cosine of the mean latitude of q and the other point. To a
// point, that is the distance. To a segment, it finds the nearest point in
// the affine frame scaled by the cosine at q, where a segment straight in
// longitude and latitude stays straight, and measures the distance to that
// point. To a line it is the distance to its nearest segment (not its
// centre); to a polygon it is 0 inside it or on its boundary (a point in
// a hole is outside), and otherwise the distance to the nearest ring.
//
// Against the haversine distance on the same sphere the error is under
// 0.1% within 200 km between 40° and 70° north (TestDistanceAccuracy
// measures it at about 0.04%), and it grows with distance: beyond a few
// hundred kilometres treat distances as estimates. The sphere itself
// differs from the WGS84 ellipsoid by up to about 0.3% between 44° and
// 60° north. Near the poles the frame degenerates; the index is for the
// inhabited latitudes.
//
// # The index
//
// An [Index] holds [Item] values: an ID (any ordered type, such as a site
// ID or a row number), a geometry, a category and an optional time of
// activity. [Index.Build] loads many at once; [Index.Insert],
// [Index.Update] and [Index.Remove] change one at a time, as the registry
// does with each statement. [Index.Near] returns the items within a
// radius, each with its distance as [Distance] measures it, sorted by
// distance and then ID so that the answer is deterministic;
// [Index.InBox] returns, sorted by ID, the items whose geometry meets a
// box. Both take a [Filter] of categories and time.
//
// An Index is safe for concurrent use: queries take a read lock and run in
// parallel; a change takes the write lock, so it waits for the queries in
// progress and new ones wait for it. Build prepares the new contents
// before taking the lock and holds it only to swap them in. A change to
// one item costs in proportion to the number of entries in the bands it
// touches (a copy within a slice, microseconds for bands of thousands);
// a Build of a million sites takes under a second.
//
// # How it works
//
// Points are held in latitude bands 0.01° high (about 1.1 km), each a
// slice of entries sorted by longitude that carry all a query needs: the
// position, the ID, the category and whether the item has a time. A
// directory per band, of columns 0.02° wide made wider by powers of two
// where the band is sparse, finds where a longitude starts without a
// binary search over the whole band.
//
// Lines and polygons are held as edges in bands 0.05° high, in every band
// that an edge's box meets: each segment of each line and ring (a segment
// longer than 0.1° of latitude or 0.15° of longitude is cut into pieces no
// larger), and, for a polygon, its bounding box cut into tiles of that
// size, each marked as wholly inside the polygon, wholly outside (and then
// dropped) or crossed by its boundary. The area of a polygon that would
// need more than 4,096 tiles is kept whole in a list that every query
// scans. So a line or polygon is found by the part of it nearest to the
// query, not by its centre, however large it is; a query takes the
// nearest edge of each item, and tests whether it lies inside a polygon
// only in a tile that the boundary crosses.
//
// A query for a radius r looks in the box of longitude and latitude that
// holds every point within r of it, as Distance measures, with a margin:
// every item within r has its nearest point, on a segment or in a tile,
// in that box. It then measures each candidate as Distance does, so its
// answers are those of a scan of every item with Distance, which the
// tests check over thousands of random queries.
//
// # Performance
//
// With a million sites over Ukraine and western Russia (longitude 22 to
// 60, latitude 44 to 60), 94% points, 5% lines and 1% polygons clustered
// around the GeoNames towns of the region, a query for 2 km near a town
// finds 44 sites on average in about 8 µs; a scan of a flat slice of the
// same sites that measures only those whose box meets the query's takes
// about 8 ms. A Build takes about 0.8 s, the index holds about 215 bytes
// per site, and an Update takes about 5 µs. These are the figures of
//
//	go test -run '^$' -bench . -benchtime 3s ./geo/
//
// on two cores of an AMD EPYC virtual machine. The benchmarks report the
// CPU time of each query as cpu-ns/op beside the time on the clock, which
// other work on a shared machine inflates.
//
// The sizes of bands and pieces were chosen by measurement, with
// BenchmarkNear2kmBand for the point bands: 0.01° was the fastest height
// or within a few per cent of it in every run, 0.02° and 0.04° close
// behind, and 0.005° or less and 0.08° 10 to 45% slower. Edge bands of
// 0.05° with pieces of 0.1° came out ahead of edge bands from 0.02° to
// 0.1° with pieces from 0.02° to 0.2°, by 5 to 30%. Most of the time of a
// query goes in reading memory that is not in a cache: a few hundred
// bytes from each of a few bands.
package geo
