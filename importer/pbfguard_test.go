package importer

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/truce-project/truce"
)

// seekless hides a reader's Seek method, so Read takes one pass.
type seekless struct{ io.Reader }

// FuzzOSMPBF checks the guard in front of the osmpbf decoder: whatever the
// guard lets through must not panic the decoder, whose goroutines a panic
// would take the whole process down with. Input the guard refuses never
// reaches the decoder, so only accepted input is decoded, which keeps the
// fuzzer fast (the decoder allocates 32 MB for every file).
func FuzzOSMPBF(f *testing.F) {
	for _, raw := range []bool{false, true} {
		f.Add(PBFFromXML(f, "testdata/extract.osm", raw), false)
		f.Add(PBFFromXML(f, "testdata/extract.osm", raw), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, seekable bool) {
		if _, err := io.Copy(io.Discard, &pbfGuard{r: bytes.NewReader(data)}); err != nil {
			return
		}
		var r io.Reader = bytes.NewReader(data)
		if !seekable {
			r = seekless{r}
		}
		res, err := Read(r, "osm-pbf", Options{DefaultController: "ua"})
		if err != nil {
			var te *truce.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not a *truce.Error", err, err)
			}
			return
		}
		for i := range res.Sites {
			if err := res.Sites[i].Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// pbfFile wraps a primitive block in a file: a header block, then the
// block as raw data.
func pbfFile(block []byte) []byte {
	var header []byte
	header = appendBytes(header, 4, []byte("OsmSchema-V0.6"))
	var out bytes.Buffer
	writeBlock(&out, "OSMHeader", header, true)
	writeBlock(&out, "OSMData", block, true)
	return out.Bytes()
}

// block returns a primitive block with a string table of n strings and
// one group.
func block(n int, group []byte) []byte {
	var st []byte
	for i := range n {
		st = appendBytes(st, 1, []byte{byte('a' + i)})
	}
	return appendBytes(appendBytes(nil, 1, st), 2, group)
}

func varints(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(v))
	}
	return b
}

func zigzags(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(v))
	}
	return b
}

func msg(fields ...any) []byte {
	var b []byte
	for i := 0; i+1 < len(fields); i += 2 {
		num := protowire.Number(fields[i].(int))
		switch v := fields[i+1].(type) {
		case []byte:
			b = appendBytes(b, num, v)
		case int:
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	return b
}

// TestPBFGuardRefuses checks input on which the osmpbf decoder would
// panic: each is refused, and Read says why.
func TestPBFGuardRefuses(t *testing.T) {
	good := PBFFromXML(t, "testdata/extract.osm", true)
	if _, err := io.Copy(io.Discard, &pbfGuard{r: bytes.NewReader(good)}); err != nil {
		t.Fatalf("the guard refuses a good file: %v", err)
	}
	dense := func(fields ...any) []byte { return block(2, msg(2, msg(fields...))) }
	way := func(fields ...any) []byte { return block(2, msg(3, msg(append([]any{1, 7}, fields...)...))) }
	header := func(blobHeader []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(blobHeader)))
		return append(out, blobHeader...)
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"huge blob header", append([]byte{0, 1, 0, 0}, good[4:]...), "blob header of 65536 bytes"},
		{"negative blob size", header(msg(1, []byte("OSMData"), 3, -1)), "blob of 18446744073709551615 bytes"},
		{"no blob size", header(msg(1, []byte("OSMData"))), "blob header without type or size"},
		{"plain nodes", pbfFile(block(2, msg(1, msg(1, 2)))), "nodes not in dense form"},
		{"dense tag out of range", pbfFile(dense(1, zigzags(1), 8, zigzags(5), 9, zigzags(5), 10, varints(1, 2, 0))), "dense nodes: tag string out of range"},
		{"dense tags short", pbfFile(dense(1, zigzags(1, 1), 8, zigzags(5, 5), 9, zigzags(5, 5), 10, varints(1, 1, 0))), "tags for 1 nodes, not 2"},
		{"dense arrays", pbfFile(dense(1, zigzags(1, 1), 8, zigzags(5), 9, zigzags(5, 5))), "2 ids, 1 latitudes, 2 longitudes"},
		{"dense user", pbfFile(dense(1, zigzags(1), 8, zigzags(5), 9, zigzags(5), 5, msg(5, zigzags(-1)))), "user string -1 out of range"},
		{"dense info short", pbfFile(dense(1, zigzags(1, 1), 8, zigzags(5, 5), 9, zigzags(5, 5), 5, msg(1, varints(1)))), "field 1 has 1 values for 2 nodes"},
		{"way tags", pbfFile(way(2, varints(1, 1), 3, varints(1))), "way: 2 keys and 1 values"},
		{"way tag string", pbfFile(way(2, varints(1), 3, varints(2))), "way: tag string out of range"},
		{"way coordinates", pbfFile(way(8, zigzags(1, 2), 9, zigzags(5))), "way: 2 node refs and 1 coordinates"},
		{"way refs twice", pbfFile(way(8, zigzags(1), 8, zigzags(1, 2))), "way: field 8 given twice"},
		{"way user", pbfFile(way(4, msg(5, 9))), "way info: user string out of range"},
		{"relation members", pbfFile(block(2, msg(4, msg(1, 3, 8, varints(1, 1), 9, zigzags(4), 10, varints(0))))), "relation: 2 roles, 1 members, 1 types"},
		{"relation role", pbfFile(block(2, msg(4, msg(1, 3, 8, varints(-1), 9, zigzags(4), 10, varints(0))))), "relation: role string out of range"},
		{"group wire type", pbfFile(block(2, msg(3, 5))), "group: field 3 has wire type 0, want 2"},
		{"missing blob", header(msg(1, []byte("OSMData"), 3, 4)), "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := io.Copy(io.Discard, &pbfGuard{r: bytes.NewReader(tc.file)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("guard: error %v, want %q", err, tc.want)
			}
			_, err = Read(bytes.NewReader(tc.file), "osm-pbf", Options{DefaultController: "ua"})
			if truce.ErrorCode(err) != truce.EINVALID || !strings.Contains(truce.ErrorMessage(err), tc.want) {
				t.Fatalf("Read: error %v, want EINVALID with %q", err, tc.want)
			}
		})
	}
}

func TestPBFGuardBlobs(t *testing.T) {
	data := block(1, nil)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	file := func(blob []byte) []byte {
		h := msg(1, []byte("OSMData"), 3, len(blob))
		out := binary.BigEndian.AppendUint32(nil, uint32(len(h)))
		return append(append(out, h...), blob...)
	}
	for _, tc := range []struct {
		name string
		blob []byte
		want string
	}{
		{"raw and zlib", msg(1, data, 2, len(data), 3, z.Bytes()), "blob is both raw and zlib"},
		{"size mismatch", msg(2, len(data)+1, 3, z.Bytes()), "uncompressed, not"},
		{"too big", msg(2, 64<<20, 3, z.Bytes()), "blob of 67108864 bytes uncompressed"},
		{"not zlib", msg(2, len(data), 3, []byte("nope")), "zlib:"},
		{"lzma", msg(2, len(data), 4, []byte("nope")), "neither raw nor zlib"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := io.Copy(io.Discard, &pbfGuard{r: bytes.NewReader(file(tc.blob))})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// The right size passes.
	if _, err := io.Copy(io.Discard, &pbfGuard{r: bytes.NewReader(file(msg(2, len(data), 3, z.Bytes())))}); err != nil {
		t.Fatal(err)
	}
}
