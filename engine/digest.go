package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"

	"github.com/truce-project/truce"
)

// digestPrefix starts the input of the digest.
const digestPrefix = "truce-state-root-v2\n"

// buckets is how many buckets the digest spreads incidents over, and
// groups how many groups of bucketsPerGroup buckets it hashes them in: a
// change rehashes one bucket of a few incidents, one group of 16 hashes,
// and the 4096 group hashes, however many incidents there are.
const (
	buckets         = 65536
	bucketsPerGroup = 16
	groups          = buckets / bucketsPerGroup
)

// CanonicalJSON returns the encoding of inc that Hash hashes: the
// encoding/json encoding of the truce.Incident struct, with every time in
// UTC and every nil slice written as []. It returns nil if inc holds a
// number that JSON cannot write (NaN or infinite), which the engine never
// produces.
func CanonicalJSON(inc *truce.Incident) []byte {
	c := clone(inc)
	b, err := json.Marshal(&c)
	if err != nil {
		return nil
	}
	return b
}

// Hash returns the SHA-256 of CanonicalJSON(inc).
func Hash(inc *truce.Incident) [32]byte { return sha256.Sum256(CanonicalJSON(inc)) }

// bucketOf returns the digest bucket of incident id: the first 16 bits of
// the SHA-256 of id. Its group is the first 12.
func bucketOf(id string) int {
	sum := sha256.Sum256([]byte(id))
	return int(sum[0])<<8 | int(sum[1])
}

// digest holds the digest's buckets and what has changed since it was
// last computed.
type digest struct {
	buckets []bucket
	sums    []byte // the buckets' hashes, 32 bytes each, in bucket order
	groups  []byte // the groups' hashes, likewise
	count   uint64
	dirty   []*incident // incidents whose hash is stale
	stale   []int       // buckets whose hash is stale
	root    [32]byte
	fresh   bool // root is up to date
}

// bucket holds the hashes of its incidents, ordered by id; its own hash
// is in digest.sums.
type bucket struct {
	entries []entry
	stale   bool
}

type entry struct {
	id   string
	hash [32]byte
}

func newDigest() digest {
	d := digest{buckets: make([]bucket, buckets), sums: make([]byte, 0, buckets*sha256.Size), groups: make([]byte, groups*sha256.Size)}
	empty := sha256.Sum256(nil)
	for range buckets {
		d.sums = append(d.sums, empty[:]...)
	}
	for g := range groups {
		d.sumGroup(g)
	}
	return d
}

// add counts a new incident x and marks it changed.
func (d *digest) add(x *incident) {
	x.bucket = bucketOf(x.inc.ID)
	d.count++
	d.touch(x)
}

// touch marks x changed.
func (d *digest) touch(x *incident) {
	if !x.dirty {
		x.dirty = true
		d.dirty = append(d.dirty, x)
	}
	d.fresh = false
}

// Digest returns the digest of all incidents, as the package
// documentation defines it. It hashes only the incidents changed since
// the last call, and recomputes only their buckets.
func (e *Engine) Digest() [32]byte {
	d := &e.sums
	if d.fresh {
		return d.root
	}
	for _, x := range d.dirty {
		x.dirty = false
		d.put(x.bucket, entry{x.inc.ID, Hash(&x.inc)})
	}
	d.dirty = d.dirty[:0]
	slices.Sort(d.stale) // so that a group's buckets are together
	for i, n := range d.stale {
		b := &d.buckets[n]
		sum := bucketSum(b.entries)
		copy(d.sums[n*sha256.Size:], sum[:])
		b.stale = false
		if g := n / bucketsPerGroup; i == len(d.stale)-1 || d.stale[i+1]/bucketsPerGroup != g {
			d.sumGroup(g)
		}
	}
	d.stale = d.stale[:0]
	h := sha256.New()
	h.Write([]byte(digestPrefix))
	h.Write(binary.BigEndian.AppendUint64(nil, d.count))
	h.Write(d.groups)
	h.Sum(d.root[:0])
	d.fresh = true
	return d.root
}

// sumGroup recomputes the hash of group g from its buckets' hashes.
func (d *digest) sumGroup(g int) {
	const size = bucketsPerGroup * sha256.Size
	sum := sha256.Sum256(d.sums[g*size : (g+1)*size])
	copy(d.groups[g*sha256.Size:], sum[:])
}

// put sets the hash of an incident in bucket n and marks the bucket stale.
func (d *digest) put(n int, en entry) {
	b := &d.buckets[n]
	i, found := slices.BinarySearchFunc(b.entries, en.id, func(a entry, id string) int { return strings.Compare(a.id, id) })
	if found {
		b.entries[i] = en
	} else {
		b.entries = slices.Insert(b.entries, i, en)
	}
	if !b.stale {
		b.stale = true
		d.stale = append(d.stale, n)
	}
}

// bucketSum returns the hash of a bucket's entries, which are ordered by
// id.
func bucketSum(entries []entry) [32]byte {
	var buf bytes.Buffer
	for _, en := range entries {
		buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(en.id))))
		buf.WriteString(en.id)
		buf.Write(en.hash[:])
	}
	return sha256.Sum256(buf.Bytes())
}

// clone returns a deep copy of inc with every time in UTC and every nil
// slice empty: the form in which the engine holds and returns incidents.
func clone(inc *truce.Incident) truce.Incident {
	c := *inc
	c.Start, c.End = c.Start.UTC(), c.End.UTC()
	c.Where.Admin = nil
	if len(inc.Where.Admin) > 0 {
		c.Where.Admin = slices.Clone(inc.Where.Admin)
	}
	c.Accused = cloneStrings(c.Accused)
	c.Reports = make([]truce.IncidentReport, len(inc.Reports))
	for i, r := range inc.Reports {
		r.Time = r.Time.UTC()
		c.Reports[i] = r
	}
	a := &c.Assessment
	if a.ReplyDeadline != nil {
		t := a.ReplyDeadline.UTC()
		a.ReplyDeadline = &t
	}
	a.Parties = make([]truce.PartyTerms, len(inc.Assessment.Parties))
	for i, pt := range inc.Assessment.Parties {
		if pt.Since != nil {
			t := pt.Since.UTC()
			pt.Since = &t
		}
		pt.Clauses = cloneStrings(pt.Clauses)
		a.Parties[i] = pt
	}
	a.Sites = make([]truce.SiteFinding, len(inc.Assessment.Sites))
	for i, f := range inc.Assessment.Sites {
		f.Clauses = cloneStrings(f.Clauses)
		a.Sites[i] = f
	}
	a.Findings = cloneStrings(a.Findings)
	c.Responses = make([]truce.IncidentResponse, len(inc.Responses))
	for i, r := range inc.Responses {
		r.Time, r.Evidence = r.Time.UTC(), cloneEvidence(r.Evidence)
		c.Responses[i] = r
	}
	c.Determinations = make([]truce.IncidentDetermination, len(inc.Determinations))
	for i, d := range inc.Determinations {
		d.Time, d.Clauses = d.Time.UTC(), cloneStrings(d.Clauses)
		c.Determinations[i] = d
	}
	if d := inc.Determination; d != nil {
		dc := *d
		dc.Clauses, dc.Determiners = cloneStrings(d.Clauses), cloneStrings(d.Determiners)
		c.Determination = &dc
	}
	if c.Status == "" {
		c.Status = status(&c)
	}
	return c
}

// cloneStrings returns a copy of s, empty rather than nil.
func cloneStrings(s []string) []string { return append([]string{}, s...) }
