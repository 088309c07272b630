package importer

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// The osmpbf decoder trusts its input: on some malformed files (a string
// index out of range, arrays of unequal length, non-dense nodes, negative
// sizes) it panics in its own goroutines, where no recover can reach. So
// pbfGuard stands between the file and the decoder: it reads one file block
// ahead, checks it against everything the decoder assumes, and passes it on
// only if it holds. The checks are stricter than the format: a block the
// guard accepts is one that every writer in use (osmium, osmconvert,
// osmosis, Geofabrik's extracts) produces.
type pbfGuard struct {
	r     io.Reader
	buf   []byte
	err   error // the error to return once buf is drained
	block int
}

// The decoder's limits (osmpbf/decode.go).
const (
	maxPBFHeader = 64 << 10
	maxPBFBlob   = 32 << 20
)

func (g *pbfGuard) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.block++
		g.buf, g.err = g.next()
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// errPBF marks the input as malformed.
type errPBF struct{ msg string }

func (e *errPBF) Error() string { return e.msg }

func (g *pbfGuard) refuse(format string, args ...any) error {
	return &errPBF{fmt.Sprintf("block %d: ", g.block) + fmt.Sprintf(format, args...)}
}

// next reads and checks one file block, returning its bytes as read.
func (g *pbfGuard) next() ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(g.r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n >= maxPBFHeader {
		return nil, g.refuse("blob header of %d bytes", n)
	}
	block := make([]byte, 4+int(n))
	copy(block, size[:])
	if _, err := io.ReadFull(g.r, block[4:]); err != nil {
		return nil, unexpected(err)
	}
	typ, datasize, err := g.blobHeader(block[4:])
	if err != nil {
		return nil, err
	}
	block = append(block, make([]byte, datasize)...)
	if _, err := io.ReadFull(g.r, block[4+int(n):]); err != nil {
		return nil, unexpected(err)
	}
	data, err := g.blobData(block[4+int(n):])
	if err != nil {
		return nil, err
	}
	// The decoder decodes any first block that is not a header as data.
	if typ != "OSMHeader" {
		if err := g.primitiveBlock(data); err != nil {
			return nil, err
		}
	}
	return block, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// field is one field of a protobuf message.
type field struct {
	num  protowire.Number
	typ  protowire.Type
	v    uint64 // a varint's value
	data []byte // a length-delimited field's bytes
}

// fields parses a message strictly: every field well formed, no groups, no
// fixed-size fields where wire[num] names another type.
func (g *pbfGuard) fields(b []byte, what string, wire map[protowire.Number]protowire.Type) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, g.refuse("%s: malformed field tag", what)
		}
		b = b[n:]
		if want, ok := wire[num]; ok && want != typ {
			return nil, g.refuse("%s: field %d has wire type %d, want %d", what, num, typ, want)
		}
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.data, n = protowire.ConsumeBytes(b)
		case protowire.Fixed32Type:
			_, n = protowire.ConsumeFixed32(b)
		case protowire.Fixed64Type:
			_, n = protowire.ConsumeFixed64(b)
		default:
			return nil, g.refuse("%s: field %d is a group", what, num)
		}
		if n < 0 {
			return nil, g.refuse("%s: field %d is malformed", what, num)
		}
		b = b[n:]
		out = append(out, f)
	}
	return out, nil
}

// last returns the last occurrence of a field, as protobuf decoders keep.
func last(fs []field, num protowire.Number) (field, bool) {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].num == num {
			return fs[i], true
		}
	}
	return field{}, false
}

var (
	vt = protowire.VarintType
	bt = protowire.BytesType
)

func (g *pbfGuard) blobHeader(b []byte) (string, int, error) {
	fs, err := g.fields(b, "blob header", map[protowire.Number]protowire.Type{1: bt, 2: bt, 3: vt})
	if err != nil {
		return "", 0, err
	}
	typ, ok1 := last(fs, 1)
	size, ok2 := last(fs, 3)
	if !ok1 || !ok2 {
		return "", 0, g.refuse("blob header without type or size")
	}
	if s := int32(size.v); s < 0 || s >= maxPBFBlob || uint64(uint32(s)) != size.v {
		return "", 0, g.refuse("blob of %d bytes", size.v)
	}
	return string(typ.data), int(size.v), nil
}

// blobData returns a blob's uncompressed data.
func (g *pbfGuard) blobData(b []byte) ([]byte, error) {
	fs, err := g.fields(b, "blob", map[protowire.Number]protowire.Type{1: bt, 2: vt, 3: bt})
	if err != nil {
		return nil, err
	}
	raw, isRaw := last(fs, 1)
	z, ok := last(fs, 3)
	if isRaw && ok {
		return nil, g.refuse("blob is both raw and zlib")
	}
	if isRaw {
		return raw.data, nil
	}
	if !ok {
		return nil, g.refuse("blob is neither raw nor zlib")
	}
	rs, _ := last(fs, 2)
	if rs.v > maxPBFBlob {
		return nil, g.refuse("blob of %d bytes uncompressed", rs.v)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z.data))
	if err != nil {
		return nil, g.refuse("zlib: %v", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, int64(rs.v)+1))
	if err != nil {
		return nil, g.refuse("zlib: %v", err)
	}
	if len(data) != int(rs.v) {
		return nil, g.refuse("blob is %d bytes uncompressed, not %d", len(data), rs.v)
	}
	return data, nil
}

// primitiveBlock checks an OSMData block.
func (g *pbfGuard) primitiveBlock(b []byte) error {
	fs, err := g.fields(b, "block", map[protowire.Number]protowire.Type{1: bt, 2: bt, 17: vt, 18: vt, 19: vt, 20: vt})
	if err != nil {
		return err
	}
	strs := 0
	if st, ok := last(fs, 1); ok {
		sfs, err := g.fields(st.data, "string table", map[protowire.Number]protowire.Type{1: bt})
		if err != nil {
			return err
		}
		for _, f := range sfs {
			if f.num == 1 {
				strs++
			}
		}
	}
	for _, f := range fs {
		if f.num == 2 {
			if err := g.group(f.data, uint64(strs)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *pbfGuard) group(b []byte, strs uint64) error {
	fs, err := g.fields(b, "group", map[protowire.Number]protowire.Type{2: bt, 3: bt, 4: bt})
	if err != nil {
		return err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			return g.refuse("nodes not in dense form (convert the file with osmium cat)")
		case 2:
			err = g.dense(f.data, strs)
		case 3:
			err = g.way(f.data, strs)
		case 4:
			err = g.relation(f.data, strs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// packed decodes a packed array of varints.
func (g *pbfGuard) packed(f field, what string) ([]uint64, error) {
	var out []uint64
	for b := f.data; len(b) > 0; {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, g.refuse("%s: malformed packed field %d", what, f.num)
		}
		out = append(out, v)
		b = b[n:]
	}
	return out, nil
}

// arrays decodes the packed fields of a message by number; a field given
// twice is refused, since the decoder would read the two inconsistently.
func (g *pbfGuard) arrays(fs []field, what string, nums ...protowire.Number) (map[protowire.Number][]uint64, error) {
	out := map[protowire.Number][]uint64{}
	for _, f := range fs {
		for _, num := range nums {
			if f.num != num {
				continue
			}
			if _, dup := out[num]; dup {
				return nil, g.refuse("%s: field %d given twice", what, num)
			}
			a, err := g.packed(f, what)
			if err != nil {
				return nil, err
			}
			out[num] = a
		}
	}
	return out, nil
}

func packedTypes(nums ...protowire.Number) map[protowire.Number]protowire.Type {
	m := map[protowire.Number]protowire.Type{}
	for _, n := range nums {
		m[n] = bt
	}
	return m
}

func (g *pbfGuard) dense(b []byte, strs uint64) error {
	fs, err := g.fields(b, "dense nodes", packedTypes(1, 5, 8, 9, 10))
	if err != nil {
		return err
	}
	a, err := g.arrays(fs, "dense nodes", 1, 8, 9, 10)
	if err != nil {
		return err
	}
	n := len(a[1])
	if len(a[8]) != n || len(a[9]) != n {
		return g.refuse("dense nodes: %d ids, %d latitudes, %d longitudes", n, len(a[8]), len(a[9]))
	}
	if info, ok := last(fs, 5); ok {
		ifs, err := g.fields(info.data, "dense info", packedTypes(1, 2, 3, 4, 5, 6))
		if err != nil {
			return err
		}
		ia, err := g.arrays(ifs, "dense info", 1, 2, 3, 4, 5, 6)
		if err != nil {
			return err
		}
		for num, vs := range ia {
			if len(vs) != n {
				return g.refuse("dense info: field %d has %d values for %d nodes", num, len(vs), n)
			}
		}
		var sid int32 // the decoder's arithmetic: deltas of sint32
		for _, d := range ia[5] {
			sid += int32(protowire.DecodeZigZag(d))
			if sid < 0 || uint64(sid) >= strs {
				return g.refuse("dense info: user string %d out of range", sid)
			}
		}
	}
	if kv, ok := a[10]; ok {
		nodes := 0
		for i := 0; i < len(kv); i++ {
			if kv[i] == 0 {
				nodes++
				continue
			}
			if i+1 >= len(kv) || kv[i] >= strs || kv[i+1] >= strs {
				return g.refuse("dense nodes: tag string out of range")
			}
			i++
		}
		if nodes != n {
			return g.refuse("dense nodes: tags for %d nodes, not %d", nodes, n)
		}
	}
	return nil
}

// tags checks the keys and values arrays of a way or relation.
func (g *pbfGuard) tags(a map[protowire.Number][]uint64, strs uint64, what string) error {
	keys, vals := a[2], a[3]
	if len(keys) != len(vals) {
		return g.refuse("%s: %d keys and %d values", what, len(keys), len(vals))
	}
	for i := range keys {
		if keys[i] >= strs || vals[i] >= strs {
			return g.refuse("%s: tag string out of range", what)
		}
	}
	return nil
}

// info checks the user string of a way's or relation's info.
func (g *pbfGuard) info(fs []field, strs uint64, what string) error {
	for _, f := range fs {
		if f.num != 4 {
			continue
		}
		ifs, err := g.fields(f.data, what+" info", map[protowire.Number]protowire.Type{1: vt, 2: vt, 3: vt, 4: vt, 5: vt, 6: vt})
		if err != nil {
			return err
		}
		for _, i := range ifs {
			if i.num == 5 && i.v >= strs {
				return g.refuse("%s info: user string out of range", what)
			}
		}
	}
	return nil
}

func (g *pbfGuard) way(b []byte, strs uint64) error {
	wire := packedTypes(2, 3, 4, 8, 9, 10)
	wire[1] = vt
	fs, err := g.fields(b, "way", wire)
	if err != nil {
		return err
	}
	a, err := g.arrays(fs, "way", 2, 3, 8, 9, 10)
	if err != nil {
		return err
	}
	if err := g.tags(a, strs, "way"); err != nil {
		return err
	}
	refs := len(a[8])
	for _, num := range []protowire.Number{9, 10} {
		if vs, ok := a[num]; ok && len(vs) != refs {
			return g.refuse("way: %d node refs and %d coordinates", refs, len(vs))
		}
	}
	return g.info(fs, strs, "way")
}

func (g *pbfGuard) relation(b []byte, strs uint64) error {
	wire := packedTypes(2, 3, 4, 8, 9, 10)
	wire[1] = vt
	fs, err := g.fields(b, "relation", wire)
	if err != nil {
		return err
	}
	a, err := g.arrays(fs, "relation", 2, 3, 8, 9, 10)
	if err != nil {
		return err
	}
	if err := g.tags(a, strs, "relation"); err != nil {
		return err
	}
	if len(a[8]) != len(a[9]) || len(a[8]) != len(a[10]) {
		return g.refuse("relation: %d roles, %d members, %d types", len(a[8]), len(a[9]), len(a[10]))
	}
	for _, r := range a[8] {
		if r >= strs {
			return g.refuse("relation: role string out of range")
		}
	}
	return g.info(fs, strs, "relation")
}
