package engine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/geo"
)

// hotspots are the places around which the random scenario reports.
var hotspots = [][2]float64{ // lat, lon
	{nppLat, nppLon}, {subLat, subLon}, {46.47, 30.76}, {49.99, 36.23}, {50.45, 30.52},
}

// randomReport returns a report near a hot spot, at one of a few times in
// March and April 2025, so that many reports group.
func randomReport(rng *rand.Rand) *truce.Report {
	h := hotspots[rng.IntN(len(hotspots))]
	lat := north(h[0], rng.Float64()*8000-4000)
	lon := east(h[1], lat, rng.Float64()*8000-4000)
	slot := time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(12)) * 3 * 24 * time.Hour)
	start := slot.Add(time.Duration(rng.IntN(8*60)) * time.Minute)
	acts := truce.Acts()
	r := newReport(lat, lon, []float64{0, 200, 500, 1000, 3000}[rng.IntN(5)], start, acts[rng.IntN(len(acts))])
	r.Accused = [][]string{nil, {"ru"}, {"ua"}, {"ru", "ua"}}[rng.IntN(4)]
	if rng.IntN(8) == 0 {
		r.Target.Sites = []string{"zaporizhzhia-npp"}
	}
	return r
}

// scenario is the log of a random deployment, and the engine's incidents
// half way through it.
type scenario struct {
	d        *deployment
	setup    int              // log index of the first report
	half     int              // log index at which the snapshot was taken
	snapshot []truce.Incident // the engine's incidents before index half
}

// runScenario applies n random reports and retractions, seeded, and checks
// the digest against an independent computation along the way.
func runScenario(t *testing.T, n int) *scenario {
	t.Helper()
	s := &scenario{d: newMoratorium(t)}
	s.setup = len(s.d.log)
	rng := rand.New(rand.NewChaCha8([32]byte{'s', 'c', 'e', 'n', 'a', 'r', 'i', 'o'}))
	signers := []string{"ua", "ru", "osce", "osint", "ucdp"}
	var live []*truce.Statement // reports not retracted
	for i := range n {
		if i == n/2 {
			s.half, s.snapshot = len(s.d.log), roundTrip(t, s.d.engine.Incidents())
		}
		if i%50 == 49 {
			checkDigest(t, s.d.engine)
		}
		if len(live) > 0 && rng.IntN(8) == 0 {
			k := rng.IntN(len(live))
			s.d.retract(live[k])
			live = slices.Delete(live, k, k+1)
			continue
		}
		live = append(live, s.d.report(signers[rng.IntN(len(signers))], randomReport(rng)))
	}
	checkDigest(t, s.d.engine)
	return s
}

// roundTrip returns incidents as a store would give them back: through
// JSON, with times in another zone.
func roundTrip(t *testing.T, incs []truce.Incident) []truce.Incident {
	t.Helper()
	b, err := json.Marshal(incs)
	if err != nil {
		t.Fatal(err)
	}
	var out []truce.Incident
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	kyiv := time.FixedZone("EET", 2*3600)
	for i := range out {
		out[i].Start = out[i].Start.In(kyiv)
	}
	return out
}

// TestDeterminism applies one log to an engine as it grows, to a fresh
// engine afterwards, and to an engine restored half way, and expects the
// same incidents and digest from all three; and the same again on a
// second run, where every map is new.
func TestDeterminism(t *testing.T) {
	var digests [][32]byte
	for run := range 2 {
		s := runScenario(t, 400)
		d := s.d
		a := d.engine
		b := engine.New(d.state.Terms, d.state.Registry, d.sites)
		for i := s.setup; i < len(d.log); i++ {
			if _, err := b.Apply(d.log[i], uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
		c, err := engine.Restore(d.state.Terms, d.state.Registry, d.sites, s.snapshot)
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range s.snapshot {
			for _, r := range inc.Reports {
				if err := c.Recall(d.log[r.Index]); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := s.half; i < len(d.log); i++ {
			if _, err := c.Apply(d.log[i], uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
		want := a.Incidents()
		if a.Len() < 50 || a.Len() > 350 {
			t.Errorf("run %d: %d incidents from 400 statements; the scenario should group some", run, a.Len())
		}
		for name, e := range map[string]*engine.Engine{"fresh": b, "restored": c} {
			if e.Digest() != a.Digest() {
				t.Errorf("run %d: %s engine's digest %x, want %x", run, name, e.Digest(), a.Digest())
			}
			if got := e.Incidents(); !reflect.DeepEqual(got, want) {
				t.Errorf("run %d: %s engine's incidents differ (%d, want %d)", run, name, len(got), len(want))
			}
		}
		digests = append(digests, a.Digest())
	}
	if digests[0] != digests[1] {
		t.Errorf("two runs gave digests %x and %x", digests[0], digests[1])
	}
}

// checkDigest compares e.Digest with the digest computed from scratch as
// the package documentation describes it.
func checkDigest(t *testing.T, e *engine.Engine) {
	t.Helper()
	var buckets [65536]bytes.Buffer
	for _, inc := range e.Incidents() { // ordered by id
		js, err := json.Marshal(inc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(js, engine.CanonicalJSON(&inc)) {
			t.Fatalf("incident %.8s: CanonicalJSON differs from encoding/json", inc.ID)
		}
		h := sha256.Sum256(js)
		sid := sha256.Sum256([]byte(inc.ID))
		b := &buckets[int(sid[0])<<8|int(sid[1])]
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(inc.ID))))
		b.WriteString(inc.ID)
		b.Write(h[:])
	}
	root := sha256.New()
	root.Write([]byte("truce-state-root-v2\n"))
	root.Write(binary.BigEndian.AppendUint64(nil, uint64(e.Len())))
	for g := range 4096 {
		group := sha256.New()
		for i := g * 16; i < (g+1)*16; i++ {
			sum := sha256.Sum256(buckets[i].Bytes())
			group.Write(sum[:])
		}
		root.Write(group.Sum(nil))
	}
	if got, want := e.Digest(), [32]byte(root.Sum(nil)); got != want {
		t.Fatalf("Digest %x, recomputed %x", got, want)
	}
}

// TestEmptyDigest pins the digest of no incidents, which an independent
// implementation can check first: SHA-256 of the prefix, eight zero bytes
// and 4096 times the hash of a group: SHA-256 of 16 times the SHA-256 of
// nothing.
func TestEmptyDigest(t *testing.T) {
	e := engine.New(truce.NewTerms(), truce.NewRegistry(), geo.NewIndex[string]())
	checkDigest(t, e)
	const want = "36161a7f71b75bac0e3671621a6dcc5e1555df9d022669a802fa62af401bbb1d"
	if got := e.Digest(); hex.EncodeToString(got[:]) != want {
		t.Errorf("Digest() = %x, want %s", got, want)
	}
}

// TestCanonicalJSON checks that the hash ignores time zones and the
// difference between a nil and an empty list.
func TestCanonicalJSON(t *testing.T) {
	d := newMoratorium(t)
	inc := d.incidentOf(d.report("ua", newReport(nppLat, nppLon, 500, t0, truce.ActDroneStrike, "ru")))
	h := engine.Hash(&inc)
	other := inc
	other.Start = inc.Start.In(time.FixedZone("MSK", 3*3600))
	other.Accused = nil
	other.Assessment.Sites = append([]truce.SiteFinding(nil), inc.Assessment.Sites...)
	other.Assessment.Sites[0].Clauses = nil
	if engine.Hash(&other) == h {
		t.Error("removing a site's clauses did not change the hash")
	}
	other.Assessment.Sites[0].Clauses = inc.Assessment.Sites[0].Clauses
	other.Accused = []string{"ru"}
	if engine.Hash(&other) != h {
		t.Errorf("hash changed with the time zone:\n%s\n%s", engine.CanonicalJSON(&inc), engine.CanonicalJSON(&other))
	}
	empty := truce.Incident{ID: "x"}
	if js := string(engine.CanonicalJSON(&empty)); !bytes.Contains([]byte(js), []byte(`"reports":[]`)) || bytes.Contains([]byte(js), []byte("null")) {
		t.Errorf("CanonicalJSON of an empty incident: %s", js)
	}
	bad := inc
	bad.Where.Lat = math.NaN()
	if engine.CanonicalJSON(&bad) != nil {
		t.Error("CanonicalJSON wrote NaN")
	}
}

func TestRestoreErrors(t *testing.T) {
	d := newMoratorium(t)
	a := d.report("ua", newReport(nppLat, nppLon, 500, t0, truce.ActDroneStrike, "ru"))
	d.report("osint", newReport(nppLat, nppLon, 500, t0, truce.ActDroneStrike))
	other := d.report("ua", newReport(subLat, subLon, 500, t0, truce.ActShelling, "ru"))
	incs := d.engine.Incidents()
	if len(incs) != 2 {
		t.Fatalf("%d incidents", len(incs))
	}
	for _, c := range []struct {
		name   string
		change func(incs []truce.Incident) []truce.Incident
	}{
		{"an incident without reports", func(incs []truce.Incident) []truce.Incident {
			incs[0].Reports = nil
			return incs
		}},
		{"an id that is not the first report's", func(incs []truce.Incident) []truce.Incident {
			incs[0].ID = strings.Repeat("0", 64)
			return incs
		}},
		{"an incident twice", func(incs []truce.Incident) []truce.Incident { return append(incs, incs[0]) }},
		{"a report in two incidents", func(incs []truce.Incident) []truce.Incident {
			i := slices.IndexFunc(incs, func(inc truce.Incident) bool { return inc.ID == other.ID })
			incs[i].Reports = append(incs[i].Reports, incs[1-i].Reports[1])
			return incs
		}},
		{"a NaN", func(incs []truce.Incident) []truce.Incident {
			incs[0].Where.Lon = math.NaN()
			return incs
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := engine.Restore(d.state.Terms, d.state.Registry, d.sites, c.change(roundTrip(t, incs)))
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Errorf("Restore: %v; want code %s", err, truce.EINVALID)
			}
		})
	}
	t.Run("a join before Recall", func(t *testing.T) {
		e, err := engine.Restore(d.state.Terms, d.state.Registry, d.sites, roundTrip(t, incs))
		if err != nil {
			t.Fatal(err)
		}
		st, err := truce.Sign(d.keys["osce"], origin, truce.KindReport, t0, newReport(nppLat, nppLon, 100, t0, truce.ActDroneStrike))
		if err != nil {
			t.Fatal(err)
		}
		st.Body.(*truce.Report).SourceKind = truce.SourceMonitor
		if _, err := e.Apply(st, 100); err == nil || truce.ErrorCode(err) != truce.EINTERNAL {
			t.Errorf("Apply before Recall: %v; want an internal error", err)
		}
		if e.Len() != 2 || e.Digest() != d.engine.Digest() {
			t.Error("a failed Apply changed the engine")
		}
		if err := e.Recall(d.log[0]); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("Recall(charter): %v", err)
		}
		if err := e.Recall(st); truce.ErrorCode(err) != truce.ENOTFOUND {
			t.Errorf("Recall(unknown report): %v", err)
		}
		if err := e.Recall(a); err != nil {
			t.Errorf("Recall: %v", err)
		}
	})
}
