package truce_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

// TestLeaf checks that a public statement's leaf is its envelope and a
// sealed one's is the exact commitment the docs describe, which parses
// back to its kind and id.
func TestLeaf(t *testing.T) {
	fx := newFixture(t)
	for _, raw := range [][]byte{
		sign(t, fx.us, truce.KindCharter, t0, fx.charter()),
		sign(t, fx.ukraine, truce.KindBulletin, t0, truce.Bulletin{Title: "Convoy", Text: "A convoy moves at dawn."}),
	} {
		st := parse(t, raw)
		leaf := truce.Leaf(st)
		if truce.PublicKind(st.Payload.Kind) {
			if !bytes.Equal(leaf, st.Raw) {
				t.Errorf("%s: leaf is not the envelope", st.Payload.Kind)
			}
			if _, _, ok := truce.ParseCommitment(leaf); ok {
				t.Errorf("%s: an envelope parses as a commitment", st.Payload.Kind)
			}
		} else {
			sum := sha256.Sum256(raw)
			want := fmt.Sprintf(`{"sealed":"%s","kind":"%s"}`, hex.EncodeToString(sum[:]), st.Payload.Kind)
			if string(leaf) != want {
				t.Errorf("%s: leaf %s, want %s", st.Payload.Kind, leaf, want)
			}
			kind, id, ok := truce.ParseCommitment(leaf)
			if !ok || kind != st.Payload.Kind || id != st.ID {
				t.Errorf("ParseCommitment(%s) = %q, %q, %v", leaf, kind, id, ok)
			}
			if bytes.Contains(leaf, st.Envelope.Payload) {
				t.Errorf("%s: the commitment holds the payload", st.Payload.Kind)
			}
		}
		if !truce.LeafOf(leaf, st.ID) || truce.LeafOf(leaf, strings.Repeat("0", 64)) {
			t.Errorf("%s: LeafOf does not tell the statement's leaf", st.Payload.Kind)
		}
	}
}

func TestParseCommitmentRefuses(t *testing.T) {
	id := strings.Repeat("ab", 32)
	good := `{"sealed":"` + id + `","kind":"report"}`
	if _, _, ok := truce.ParseCommitment([]byte(good)); !ok {
		t.Fatalf("ParseCommitment(%s) refused", good)
	}
	for name, leaf := range map[string]string{
		"empty":          "",
		"space":          `{"sealed": "` + id + `","kind":"report"}`,
		"fields swapped": `{"kind":"report","sealed":"` + id + `"}`,
		"upper hex":      `{"sealed":"` + strings.ToUpper(id) + `","kind":"report"}`,
		"short id":       `{"sealed":"` + id[2:] + `","kind":"report"}`,
		"long id":        `{"sealed":"` + id + `00","kind":"report"}`,
		"not hex":        `{"sealed":"` + strings.Repeat("zz", 32) + `","kind":"report"}`,
		"empty kind":     `{"sealed":"` + id + `","kind":""}`,
		"kind escape":    `{"sealed":"` + id + `","kind":"rep\u006frt"}`,
		"kind upper":     `{"sealed":"` + id + `","kind":"Report"}`,
		"kind dots":      `{"sealed":"` + id + `","kind":"report..retract"}`,
		"kind trailing":  `{"sealed":"` + id + `","kind":"report."}`,
		"extra field":    `{"sealed":"` + id + `","kind":"report","x":1}`,
		"trailing":       good + "\n",
		"leading":        " " + good,
	} {
		if k, i, ok := truce.ParseCommitment([]byte(leaf)); ok {
			t.Errorf("%s: ParseCommitment(%s) = %q, %q, true", name, leaf, k, i)
		}
	}
}

// FuzzParseCommitment checks that a leaf parses as a commitment only if it
// is exactly the one Commitment writes, and never as both a commitment and
// an envelope.
func FuzzParseCommitment(f *testing.F) {
	fx := newFixture(f)
	st := parse(f, sign(f, fx.ukraine, truce.KindBulletin, t0, truce.Bulletin{Title: "Convoy", Text: "At dawn."}))
	f.Add(truce.Leaf(st))
	f.Add(st.Raw)
	f.Add([]byte(`{"sealed":"` + strings.Repeat("0", 64) + `","kind":"a.b"}`))
	f.Add([]byte(`{"sealed":"","kind":""}`))
	f.Fuzz(func(t *testing.T, leaf []byte) {
		kind, id, ok := truce.ParseCommitment(leaf)
		_, envErr := truce.DecodeEnvelope(leaf)
		if !ok {
			return
		}
		if got := truce.Commitment(kind, id); !bytes.Equal(got, leaf) {
			t.Fatalf("ParseCommitment(%q) = %q, %q, which encode as %q", leaf, kind, id, got)
		}
		if envErr == nil {
			t.Fatalf("%q is both a commitment and an envelope", leaf)
		}
		checkCoded(t, "DecodeEnvelope of a commitment", envErr)
		if !truce.LeafOf(leaf, id) {
			t.Fatalf("LeafOf(%q, %s) = false", leaf, id)
		}
	})
}

func TestMemoryVault(t *testing.T) {
	ctx := context.Background()
	v := truce.NewMemoryVault()
	env := []byte(`{"payloadType":"x"}`)
	if err := v.Put(ctx, env, env); err != nil {
		t.Fatal(err)
	}
	got, err := v.Get(ctx, truce.StatementID(env))
	if err != nil || !bytes.Equal(got, env) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if _, err := v.Get(ctx, strings.Repeat("0", 64)); truce.ErrorCode(err) != truce.ENOTFOUND {
		t.Fatalf("Get of a missing id = %v, want ENOTFOUND", err)
	}
}
