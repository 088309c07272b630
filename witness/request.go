package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
)

// maxProofLines is the most consistency proof lines a request may carry
// (C2SP tlog-witness).
const maxProofLines = 63

// MaxRequestSize bounds an add-checkpoint body: the size line, 63 proof
// lines and a checkpoint with a few signatures fit in far less.
const MaxRequestSize = 16 << 10

// Request is a parsed add-checkpoint body.
type Request struct {
	// OldSize is the size of the checkpoint the client believes the
	// witness cosigned last.
	OldSize uint64
	// Proof is the consistency proof from OldSize to the checkpoint's size.
	Proof [][]byte
	// Checkpoint is the signed note, as sent.
	Checkpoint []byte
}

// ParseRequest parses an add-checkpoint body: "old N\n", zero to 63
// base64 hash lines, an empty line, then the signed checkpoint. The
// checkpoint itself is not parsed here. Returns a 400 error, with a
// message, for anything else.
func ParseRequest(body []byte) (*Request, error) {
	if len(body) > MaxRequestSize {
		return nil, badRequest("The request body is larger than %d bytes.", MaxRequestSize)
	}
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	num, isOld := bytes.CutPrefix(line, []byte("old "))
	if !ok || !isOld {
		return nil, badRequest("The body must start with a line \"old SIZE\".")
	}
	size, err := parseSize(num)
	if err != nil {
		return nil, err
	}
	r := &Request{OldSize: size}
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return nil, badRequest("The body must have an empty line between the proof and the checkpoint.")
		}
		if len(line) == 0 {
			break
		}
		if len(r.Proof) == maxProofLines {
			return nil, badRequest("The consistency proof has more than %d lines.", maxProofLines)
		}
		h, err := base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil || len(h) != sha256.Size {
			return nil, badRequest("Consistency proof line %d is not a base64 SHA-256 hash.", len(r.Proof)+1)
		}
		r.Proof = append(r.Proof, h)
	}
	if len(rest) == 0 {
		return nil, badRequest("The body has no checkpoint after the empty line.")
	}
	r.Checkpoint = rest
	return r, nil
}

// parseSize parses a decimal size without leading zeroes.
func parseSize(b []byte) (uint64, error) {
	if len(b) == 0 || len(b) > 1 && b[0] == '0' {
		return 0, badRequest("The old size %q is not a decimal number without leading zeroes.", b)
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0, badRequest("The old size %q is not a decimal number without leading zeroes.", b)
	}
	return n, nil
}

// Marshal returns the request body.
func (r *Request) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("old " + strconv.FormatUint(r.OldSize, 10) + "\n")
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}
