package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// serverFlag returns the --server flag, defaulting to $TRUCE_SERVER.
func (m *Main) serverFlag(fs interface {
	String(name, value, usage string) *string
}) *string {
	def := m.Getenv("TRUCE_SERVER")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	return fs.String("server", def, "the Truce server's URL (default $TRUCE_SERVER or http://127.0.0.1:8080)")
}

func (m *Main) runSubmit(ctx context.Context, args []string) error {
	fs := m.flagSet("submit", "submit [--server URL] [--batch] STATEMENT.json ...",
		"Submits signed statements (from \"truce sign\") and prints each one's receipt: its id,\n"+
			"log index, a signed checkpoint that includes it and the inclusion proof. A statement\n"+
			"already in the log is not added again; its receipt is printed. With --batch, each\n"+
			"file holds one statement a line (JSON Lines), judged one by one, for bulk imports.\n"+
			"\"-\" reads standard input.")
	server := m.serverFlag(fs)
	batch := fs.Bool("batch", false, "files are JSON Lines, one statement a line")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("submit: name at least one statement file (or - for standard input)")
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	for _, name := range fs.Args() {
		data, err := m.readInput(name)
		if err != nil {
			return err
		}
		if *batch {
			err = m.submitBatch(ctx, c, name, data)
		} else {
			err = m.submitOne(ctx, c, name, data)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *Main) submitOne(ctx context.Context, c *thttp.Client, name string, data []byte) error {
	r, created, err := c.Submit(ctx, bytes.TrimSpace(data))
	if err != nil {
		return truce.Errorf(truce.ErrorCode(err), "%s: %s", name, truce.ErrorMessage(err))
	}
	if !created {
		fmt.Fprintf(m.Stderr, "%s: already in the log at index %d\n", name, r.Index)
	}
	if r.Status == truce.StatusRejected {
		fmt.Fprintf(m.Stderr, "%s: logged at index %d but rejected: %s\n", name, r.Index, r.Reason)
	}
	return printJSON(m.Stdout, r)
}

// submitBatch posts a JSON Lines file and prints the result lines; it
// fails if any line failed, after printing them all.
func (m *Main) submitBatch(ctx context.Context, c *thttp.Client, name string, data []byte) error {
	results, err := c.SubmitBatch(ctx, data)
	if err != nil {
		return truce.Errorf(truce.ErrorCode(err), "%s: %s", name, truce.ErrorMessage(err))
	}
	failed := 0
	enc := json.NewEncoder(m.Stdout)
	for _, r := range results {
		if r.Status >= http.StatusBadRequest {
			failed++
			fmt.Fprintf(m.Stderr, "%s:%d: %s\n", name, r.Line, r.Problem.Detail)
		}
		enc.Encode(r)
	}
	if failed > 0 {
		return truce.Errorf(truce.EINVALID, "%s: %d of %d statements failed.", name, failed, len(results))
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
