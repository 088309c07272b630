package importer

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"math"
	"os"
	"sort"
	"testing"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmxml"
	"google.golang.org/protobuf/encoding/protowire"
)

// The osm library reads PBF but does not write it, so the tests write their
// own: encodePBF follows the OSM PBF format
// (https://wiki.openstreetmap.org/wiki/PBF_Format) with one OSMHeader
// block and one OSMData block, zlib-compressed or raw, holding dense nodes, ways and
// relations. PBFFromXML, exported to the tests of
// package importer_test, turns the hand-written XML fixture into the same
// data as PBF, so that both readers can be checked against each other.

func PBFFromXML(t testing.TB, path string, raw bool) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := osmxml.New(context.Background(), f)
	defer s.Close()
	var nodes []*osm.Node
	var ways []*osm.Way
	var rels []*osm.Relation
	for s.Scan() {
		switch o := s.Object().(type) {
		case *osm.Node:
			nodes = append(nodes, o)
		case *osm.Way:
			ways = append(ways, o)
		case *osm.Relation:
			rels = append(rels, o)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return encodePBF(nodes, ways, rels, raw)
}

// stringTable assigns indexes to strings; index 0 is the empty string, as
// dense nodes use 0 to end a node's tags.
type stringTable struct {
	index map[string]uint64
	list  []string
}

func (st *stringTable) id(s string) uint64 {
	if st.index == nil {
		st.index = map[string]uint64{"": 0}
		st.list = []string{""}
	}
	if i, ok := st.index[s]; ok {
		return i
	}
	st.index[s] = uint64(len(st.list))
	st.list = append(st.list, s)
	return st.index[s]
}

func encodePBF(nodes []*osm.Node, ways []*osm.Way, rels []*osm.Relation, raw bool) []byte {
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	var st stringTable
	st.id("")

	var ids, lats, lons, kv []byte
	var prevID, prevLat, prevLon int64
	for _, n := range nodes {
		lat, lon := int64(math.Round(n.Lat*1e7)), int64(math.Round(n.Lon*1e7))
		ids = protowire.AppendVarint(ids, protowire.EncodeZigZag(int64(n.ID)-prevID))
		lats = protowire.AppendVarint(lats, protowire.EncodeZigZag(lat-prevLat))
		lons = protowire.AppendVarint(lons, protowire.EncodeZigZag(lon-prevLon))
		prevID, prevLat, prevLon = int64(n.ID), lat, lon
		for _, tag := range n.Tags {
			kv = protowire.AppendVarint(kv, st.id(tag.Key))
			kv = protowire.AppendVarint(kv, st.id(tag.Value))
		}
		kv = protowire.AppendVarint(kv, 0)
	}
	var dense []byte
	dense = appendBytes(dense, 1, ids)
	dense = appendBytes(dense, 8, lats)
	dense = appendBytes(dense, 9, lons)
	dense = appendBytes(dense, 10, kv)

	var wayGroup []byte
	for _, w := range ways {
		var msg, keys, vals, refs []byte
		msg = protowire.AppendTag(msg, 1, protowire.VarintType)
		msg = protowire.AppendVarint(msg, uint64(w.ID))
		for _, tag := range w.Tags {
			keys = protowire.AppendVarint(keys, st.id(tag.Key))
			vals = protowire.AppendVarint(vals, st.id(tag.Value))
		}
		var prev int64
		for _, n := range w.Nodes {
			refs = protowire.AppendVarint(refs, protowire.EncodeZigZag(int64(n.ID)-prev))
			prev = int64(n.ID)
		}
		msg = appendBytes(msg, 2, keys)
		msg = appendBytes(msg, 3, vals)
		msg = appendBytes(msg, 8, refs)
		wayGroup = appendBytes(wayGroup, 3, msg)
	}

	var relGroup []byte
	for _, r := range rels {
		var msg, keys, vals, roles, memids, types []byte
		msg = protowire.AppendTag(msg, 1, protowire.VarintType)
		msg = protowire.AppendVarint(msg, uint64(r.ID))
		for _, tag := range r.Tags {
			keys = protowire.AppendVarint(keys, st.id(tag.Key))
			vals = protowire.AppendVarint(vals, st.id(tag.Value))
		}
		var prev int64
		for _, m := range r.Members {
			roles = protowire.AppendVarint(roles, st.id(m.Role))
			memids = protowire.AppendVarint(memids, protowire.EncodeZigZag(m.Ref-prev))
			prev = m.Ref
			types = protowire.AppendVarint(types, map[osm.Type]uint64{osm.TypeNode: 0, osm.TypeWay: 1, osm.TypeRelation: 2}[m.Type])
		}
		msg = appendBytes(msg, 2, keys)
		msg = appendBytes(msg, 3, vals)
		msg = appendBytes(msg, 8, roles)
		msg = appendBytes(msg, 9, memids)
		msg = appendBytes(msg, 10, types)
		relGroup = appendBytes(relGroup, 4, msg)
	}

	var table []byte
	for _, s := range st.list {
		table = appendBytes(table, 1, []byte(s))
	}
	var block []byte
	block = appendBytes(block, 1, table)
	block = appendBytes(block, 2, appendBytes(nil, 2, dense))
	if len(wayGroup) > 0 {
		block = appendBytes(block, 2, wayGroup)
	}
	if len(relGroup) > 0 {
		block = appendBytes(block, 2, relGroup)
	}
	block = protowire.AppendTag(block, 17, protowire.VarintType)
	block = protowire.AppendVarint(block, 100)

	var header []byte
	header = appendBytes(header, 4, []byte("OsmSchema-V0.6"))
	header = appendBytes(header, 4, []byte("DenseNodes"))
	header = appendBytes(header, 16, []byte("truce importer tests"))

	var out bytes.Buffer
	writeBlock(&out, "OSMHeader", header, raw)
	writeBlock(&out, "OSMData", block, raw)
	return out.Bytes()
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// writeBlock writes a file block: the size of the blob header, the blob
// header, and the blob with its data compressed, or raw.
func writeBlock(out *bytes.Buffer, typ string, data []byte, raw bool) {
	var blob []byte
	if raw {
		blob = appendBytes(blob, 1, data)
	} else {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		blob = protowire.AppendTag(blob, 2, protowire.VarintType)
		blob = protowire.AppendVarint(blob, uint64(len(data)))
		blob = appendBytes(blob, 3, z.Bytes())
	}
	var header []byte
	header = appendBytes(header, 1, []byte(typ))
	header = protowire.AppendTag(header, 3, protowire.VarintType)
	header = protowire.AppendVarint(header, uint64(len(blob)))
	binary.Write(out, binary.BigEndian, uint32(len(header)))
	out.Write(header)
	out.Write(blob)
}
