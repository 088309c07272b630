package tlog_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/truce-project/truce/tlog"
)

// This example creates a log, appends an entry, and checks the receipt as
// anyone holding the log's public key could.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tlog-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	skey, vkey, err := tlog.GenerateKey("example.org/log")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := tlog.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	l, err := tlog.Open(ctx, tlog.Config{Dir: dir, Signer: signer})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close(ctx)

	entry := []byte("hello, world\n")
	index, cp, err := l.Append(ctx, entry)
	if err != nil {
		log.Fatal(err)
	}
	proof, err := l.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		log.Fatal(err)
	}

	verifier, err := tlog.NewVerifier(vkey)
	if err != nil {
		log.Fatal(err)
	}
	checked, err := tlog.VerifyCheckpoint(cp.Note, verifier)
	if err != nil {
		log.Fatal(err)
	}
	if err := tlog.VerifyInclusion(entry, index, checked, proof); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("entry %d is in the tree of %d entries\n", index, checked.Size)
	// Output:
	// entry 0 is in the tree of 1 entries
}
