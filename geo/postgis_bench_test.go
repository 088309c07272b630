package geo

// The PostGIS side of the site-index benchmark: the same million sites
// (benchSet) in a table with a geography column and a GiST index, and the
// same 2 km queries (benchSet().queries) as ST_DWithin, so that one run
// compares Index, the brute-force scan and PostGIS:
//
//	export TRUCE_POSTGRES_URL=$(scripts/postgres)
//	go test -run '^$' -bench 'Near2km|PostGIS|Build|BruteForce' -skip IndexBuild -benchtime 20000x ./geo/
//	go test -run '^$' -bench IndexBuild -benchtime 1x ./geo/
//
// The second command is apart because BenchmarkIndexBuild builds once per
// iteration, where BenchmarkPostGISBuild builds once per run.
//
// The benchmarks skip unless TRUCE_POSTGRES_URL is set. The table,
// postgis_bench_sites, stays in the database between runs: its comment
// records a digest of the data, and a run whose data has the same digest
// queries it without loading it again.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/truce-project/truce"
)

const (
	postgisTable = "postgis_bench_sites"
	// postgisNear finds the sites within $3 metres of ($1, $2), nearest
	// first, as Index.Near does. ST_DWithin and ST_Distance measure on
	// the WGS 84 spheroid.
	postgisNear = `SELECT id, ST_Distance(geog, ST_MakePoint($1, $2)::geography) AS d
FROM ` + postgisTable + `
WHERE ST_DWithin(geog, ST_MakePoint($1, $2)::geography, $3)
ORDER BY d, id`
	// postgisCheck is the number of query points whose answers the
	// benchmark compares with Index.Near's.
	postgisCheck = 200
)

// postgisData is benchSet in the form COPY sends it: each site's geometry
// as WKB, and a digest of them all that names the data set.
type postgisData struct {
	ids    []int32
	wkb    [][]byte
	digest string
}

var postgisSet = sync.OnceValues(func() (*postgisData, error) {
	items := benchSet().items
	d := &postgisData{ids: make([]int32, len(items)), wkb: make([][]byte, len(items))}
	h := sha256.New()
	for i, it := range items {
		w, err := wkb.Marshal(FromGeometry(it.Geometry), binary.LittleEndian)
		if err != nil {
			return nil, fmt.Errorf("site %d: %w", it.ID, err)
		}
		d.ids[i], d.wkb[i] = int32(it.ID), w
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(it.ID)))
		h.Write(w)
	}
	d.digest = fmt.Sprintf("truce geo bench v1: %d sites, sha256 %s", len(items), hex.EncodeToString(h.Sum(nil))[:16])
	return d, nil
})

// postgisConnect connects to $TRUCE_POSTGRES_URL, or skips b if it is not
// set, and makes geography values travel as WKB.
func postgisConnect(b *testing.B) *pgx.Conn {
	url := os.Getenv("TRUCE_POSTGRES_URL")
	if url == "" {
		b.Skip("TRUCE_POSTGRES_URL is not set: scripts/postgres starts a server")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatalf("connect to TRUCE_POSTGRES_URL: %v", err)
	}
	b.Cleanup(func() { conn.Close(ctx) })
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT 'geography'::regtype::oid").Scan(&oid); err != nil {
		b.Fatalf("PostGIS is not installed in the database (CREATE EXTENSION postgis): %v", err)
	}
	// geography's binary form is WKB, which pgtype's bytea codec passes
	// through untouched.
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "geography", OID: oid, Codec: pgtype.ByteaCodec{}})
	return conn
}

// postgisBuild is what a load of the table measured.
type postgisBuild struct {
	copy, index, total time.Duration
	tableBytes, bytes  int64 // the table's own and with its index
}

// postgisLoad replaces the table with the benchmark sites: it creates it,
// copies the rows in, builds the GiST index, analyses it and marks it
// with the data's digest, last, so that an interrupted load is never
// taken for a complete one.
func postgisLoad(ctx context.Context, conn *pgx.Conn, d *postgisData) (postgisBuild, error) {
	var r postgisBuild
	start := time.Now()
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+postgisTable); err != nil {
		return r, err
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE "+postgisTable+" (id integer NOT NULL, geog geography NOT NULL)"); err != nil {
		return r, err
	}
	t := time.Now()
	i := -1
	n, err := conn.CopyFrom(ctx, pgx.Identifier{postgisTable}, []string{"id", "geog"}, pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i == len(d.ids) {
			return nil, nil
		}
		return []any{d.ids[i], d.wkb[i]}, nil
	}))
	if err != nil {
		return r, fmt.Errorf("copy: %w", err)
	}
	if n != int64(len(d.ids)) {
		return r, fmt.Errorf("copy: %d rows of %d", n, len(d.ids))
	}
	r.copy = time.Since(t)
	t = time.Now()
	if _, err := conn.Exec(ctx, "CREATE INDEX ON "+postgisTable+" USING gist (geog)"); err != nil {
		return r, fmt.Errorf("create index: %w", err)
	}
	r.index = time.Since(t)
	if _, err := conn.Exec(ctx, "ANALYZE "+postgisTable); err != nil {
		return r, err
	}
	if _, err := conn.Exec(ctx, "COMMENT ON TABLE "+postgisTable+" IS "+quote(d.digest)); err != nil {
		return r, err
	}
	r.total = time.Since(start)
	err = conn.QueryRow(ctx, "SELECT pg_table_size($1::regclass), pg_total_relation_size($1::regclass)", postgisTable).Scan(&r.tableBytes, &r.bytes)
	return r, err
}

// quote returns s as an SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// postgisReady makes sure the table holds the benchmark sites: it loads
// them unless the table's comment names the same data and its row count
// agrees.
func postgisReady(b *testing.B, conn *pgx.Conn) {
	ctx := context.Background()
	d, err := postgisSet()
	if err != nil {
		b.Fatal(err)
	}
	var comment string
	var rows int
	err = conn.QueryRow(ctx, "SELECT coalesce(obj_description($1::regclass, 'pg_class'), ''), (SELECT count(*) FROM "+postgisTable+")", postgisTable).Scan(&comment, &rows)
	if err == nil && comment == d.digest && rows == len(d.ids) {
		return
	}
	b.Logf("loading %d sites into %s", len(d.ids), postgisTable)
	if _, err := postgisLoad(ctx, conn, d); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPostGISBuild loads the million sites into PostgreSQL and
// builds the GiST index on them. A build takes seconds, so it builds
// once whatever -benchtime says, and reports that build's time as ns/op;
// copy-s and index-s split it. B/site is the size of the table and its
// index, from pg_total_relation_size, per site.
func BenchmarkPostGISBuild(b *testing.B) {
	conn := postgisConnect(b)
	d, err := postgisSet()
	if err != nil {
		b.Fatal(err)
	}
	var r postgisBuild
	for b.Loop() {
		if r.total > 0 {
			continue
		}
		if r, err = postgisLoad(context.Background(), conn, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.total.Nanoseconds()), "ns/op")
	b.ReportMetric(r.copy.Seconds(), "copy-s")
	b.ReportMetric(r.index.Seconds(), "index-s")
	b.ReportMetric(float64(r.bytes), "total-B")
	b.ReportMetric(float64(r.bytes-r.tableBytes), "index-B")
	b.ReportMetric(float64(r.bytes)/float64(len(d.ids)), "B/site")
}

// BenchmarkPostGISNear2km asks PostGIS for the sites within 2 km of the
// points BenchmarkNear2km asks Index for, one prepared statement on one
// connection, and reads the ids and distances back. cpu-ns/op is the CPU
// time of the benchmark's thread and the server's backend together;
// server-cpu-ns/op is the backend's part. Before it measures, it checks
// PostGIS's answers against Index.Near's (see postgisAgree).
func BenchmarkPostGISNear2km(b *testing.B) {
	conn := postgisConnect(b)
	postgisReady(b, conn)
	ctx := context.Background()
	if _, err := conn.Prepare(ctx, "near", postgisNear); err != nil {
		b.Fatal(err)
	}
	boundary, longEdge := postgisAgree(b, conn)
	pid := localBackend(b, conn)
	qs := benchSet().queries
	hits, i := 0, 0
	server := -pid.cpu()
	cpu := startCPU()
	for b.Loop() {
		p := qs[i%len(qs)]
		n, err := postgisQuery(ctx, conn, p, 2000, nil)
		if err != nil {
			b.Fatal(err)
		}
		hits += n
		i++
	}
	server += pid.cpu()
	(cpu - cpuClock(server)).report(b, i)
	if pid != 0 && i > 0 {
		b.ReportMetric(float64(server.Nanoseconds())/float64(i), "server-cpu-ns/op")
	}
	b.ReportMetric(float64(hits)/float64(i), "hits/op")
	b.ReportMetric(float64(boundary), "boundary-cases")
	b.ReportMetric(float64(longEdge), "long-edge-cases")
}

// postgisQuery runs the prepared query "near" and returns the number of
// sites it found, passing each to f if f is not nil.
func postgisQuery(ctx context.Context, conn *pgx.Conn, p truce.Position, metres float64, f func(Hit[int])) (int, error) {
	rows, err := conn.Query(ctx, "near", p[0], p[1], metres)
	if err != nil {
		return 0, err
	}
	var h Hit[int]
	var id int32
	n := 0
	_, err = pgx.ForEachRow(rows, []any{&id, &h.Metres}, func() error {
		if n++; f != nil {
			h.ID = int(id)
			f(h)
		}
		return nil
	})
	return n, err
}

// postgisAgree checks that PostGIS finds the same sites within 2 km as
// Index.Near for the first postgisCheck query points. The two measure
// differently: PostGIS on the spheroid along geodesics, Index on a sphere
// in a local frame where edges are straight in longitude and latitude. So
// a site that one finds and the other does not is a boundary case if both
// put it within 0.5% of the radius of 2 km, and a long-edge case if the
// gap is within what the bulge of its longest edge between the two models
// explains; it returns the counts of both and fails on any other.
func postgisAgree(b *testing.B, conn *pgx.Conn) (boundary, longEdge int) {
	const r, slack = 2000.0, 0.005 * 2000
	ctx := context.Background()
	x, items, qs := benchIndex(pointBand), benchSet().items, benchSet().queries
	agreed := 0
	var worst float64 // largest difference in distance of a short-edged site both found
	for _, p := range qs[:postgisCheck] {
		mem := map[int]float64{}
		for _, h := range x.Near(p, r+slack, Filter{}) {
			mem[h.ID] = h.Metres
		}
		pg := map[int]float64{}
		if _, err := postgisQuery(ctx, conn, p, r+slack, func(h Hit[int]) { pg[h.ID] = h.Metres }); err != nil {
			b.Fatal(err)
		}
		for id := range union(mem, pg) {
			dm, inMem := mem[id]
			dp, inPG := pg[id]
			g := FromGeometry(items[id].Geometry)
			if inMem && inPG && bulge(g) < 1 {
				worst = math.Max(worst, math.Abs(dm-dp))
			}
			if withinMem := inMem && dm <= r; withinMem == (inPG && dp <= r) {
				if withinMem {
					agreed++
				}
				continue
			}
			switch {
			case inMem && inPG && math.Abs(dm-r) <= slack && math.Abs(dp-r) <= slack:
				boundary++
			case bulge(g) >= gap(dm, dp, inMem, inPG, r+slack):
				longEdge++
			default:
				b.Errorf("query %v, site %d (%s): Index.Near says %s, PostGIS %s", p, id, items[id].Geometry.Type, metres(dm, inMem), metres(dp, inPG))
			}
		}
	}
	b.Logf("%d query points: %d sites found by both within 2 km, %d boundary cases within 0.5%% of it, %d long-edge cases; distances of the same site, unless it has edges that bulge a metre, differ by at most %.2f m",
		postgisCheck, agreed, boundary, longEdge, worst)
	return boundary, longEdge
}

func union(a, b map[int]float64) map[int]bool {
	u := make(map[int]bool, len(a)+len(b))
	for id := range a {
		u[id] = true
	}
	for id := range b {
		u[id] = true
	}
	return u
}

// gap returns how far apart the two distances are at least: one of them
// may be only known to be beyond the limit.
func gap(dm, dp float64, inMem, inPG bool, limit float64) float64 {
	switch {
	case inMem && inPG:
		return math.Abs(dm - dp)
	case inMem:
		return limit - dm
	}
	return limit - dp
}

func metres(d float64, found bool) string {
	if !found {
		return "beyond 2010 m"
	}
	return strconv.FormatFloat(d, 'f', 1, 64) + " m"
}

// bulge returns the most that a geodesic between the ends of one of g's
// edges strays from the straight line between them in longitude and
// latitude: L²·tan(φ)/(8R) for an edge L long at latitude φ, the sagitta
// of the arc, doubled for safety.
func bulge(g orb.Geometry) float64 {
	worst := 0.0
	eachLine(g, func(l []orb.Point) {
		for i := 1; i < len(l); i++ {
			a, b := l[i-1], l[i]
			m := newMeasure(truce.Position(a))
			L := m.to(b[0], b[1])
			lat := math.Max(math.Abs(a[1]), math.Abs(b[1])) * math.Pi / 180
			worst = math.Max(worst, 2*L*L*math.Tan(lat)/(8*EarthRadius))
		}
	})
	return worst
}

// backend is the process id of a connection's server backend, or 0 if
// it is not a process of this machine that the benchmark can see.
type backend int

// localBackend returns the backend of conn.
func localBackend(b *testing.B, conn *pgx.Conn) backend {
	var pid int
	if err := conn.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		b.Fatal(err)
	}
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.HasPrefix(cmd, []byte("postgres")) {
		b.Log("the server's backend is not a local process: cpu-ns/op counts the client only")
		return 0
	}
	return backend(pid)
}

// cpu returns the CPU time the backend has used, from /proc, or 0.
func (p backend) cpu() time.Duration {
	if p == 0 {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
	if err != nil {
		return 0
	}
	// Fields 14 and 15, utime and stime, in clock ticks of 1/100 s; the
	// second field, the command, is in parentheses and may hold spaces.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
