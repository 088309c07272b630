package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/witness"
)

// witnessKeyFile is where init writes the witness key of a member: not
// *.key, which are member keys.
func witnessKeyFile(member string) string {
	return filepath.Join("keys", member+".witness-key")
}

// writeWitnessKeys makes a witness key for each party and the mediator,
// writes it to keys/MEMBER.witness-key, and returns the charter's policy:
// those witnesses, with quorum of them (0 for a majority). quorum -1 asks
// for no witnesses.
func writeWitnessKeys(d *Deployment, members []truce.Member, quorum int) (*truce.WitnessPolicy, error) {
	if quorum < 0 {
		return nil, nil
	}
	p := &truce.WitnessPolicy{}
	for _, mem := range members {
		if mem.Role != truce.RoleParty && mem.Role != truce.RoleMediator {
			continue
		}
		skey, vkey, err := witness.GenerateKey(d.Origin + "/witness/" + mem.ID)
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(d.path(witnessKeyFile(mem.ID)), []byte(skey+"\n"), 0o600); err != nil {
			return nil, err
		}
		p.Witnesses = append(p.Witnesses, truce.Witness{Member: mem.ID, Key: vkey})
	}
	p.Quorum = quorum
	if quorum == 0 {
		p.Quorum = len(p.Witnesses)/2 + 1
	}
	return p, nil
}

// printWitnesses lists the charter's witnesses after init.
func (m *Main) printWitnesses(p *truce.WitnessPolicy, dir string) {
	if p == nil {
		return
	}
	for _, w := range p.Witnesses {
		fmt.Fprintf(m.Stdout, "  witness %-9s %s\n", w.Member, filepath.Join(dir, witnessKeyFile(w.Member)))
	}
	fmt.Fprintf(m.Stdout, "  witness quorum: %d of %d\n", p.Quorum, len(p.Witnesses))
}

func (m *Main) runWitness(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "key" {
		return m.runWitnessKey(args[1:])
	}
	fs := m.flagSet("witness", "witness --key KEYFILE --log [ORIGIN=]VKEY ... [--addr 127.0.0.1:7380] [--dir DIR]\n       truce witness key --name NAME --out KEYFILE",
		"Runs a witness speaking C2SP tlog-witness: POST /add-checkpoint cosigns a checkpoint of\n"+
			"a log it follows only if the log signed it and it is consistent with the latest one it\n"+
			"cosigned, which it keeps in DIR. GET and POST /gossip exchange checkpoints with mirrors\n"+
			"and other witnesses. Each party and the mediator runs one on its own machine; the log's\n"+
			"operator lists its URL in truce.json (witness_urls) or with \"truce serve --witness\".\n"+
			"\"truce witness key\" makes a key and prints the verifier key for the charter.")
	keyFile := fs.String("key", "", "the witness's secret key file (required)")
	addr := fs.String("addr", "127.0.0.1:7380", "listen address")
	dir := fs.String("dir", "", "state directory (default: in the user's config directory, per witness name)")
	var logs stringsFlag
	fs.Var(&logs, "log", "a log to witness, as its verifier key, optionally ORIGIN= before it (repeatable; required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || len(logs) == 0 {
		return usagef("witness: --key and --log are required")
	}
	keys, err := logKeys(logs)
	if err != nil {
		return err
	}
	signer, vkey, err := witness.ReadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	if *dir == "" {
		if *dir, err = defaultWitnessDir(signer.Name()); err != nil {
			return err
		}
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))
	w, err := witness.Open(witness.Config{Signer: signer, Logs: keys, Dir: *dir, Logger: logger})
	if err != nil {
		return err
	}
	defer w.Close()
	srv, err := serveWitness(w, *addr, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "Witness %s is serving at %s (Ctrl-C stops it)\n  verifier key: %s\n  state: %s\n", signer.Name(), srv.url, vkey, *dir)
	<-ctx.Done()
	return srv.close()
}

// logKeys checks each --log value, ORIGIN=VKEY or VKEY, and returns the keys.
func logKeys(values []string) ([]string, error) {
	var keys []string
	for _, v := range values {
		origin, key, ok := strings.Cut(v, "=")
		if !ok || strings.Contains(origin, "+") {
			origin, key = "", v
		}
		name, _, _ := strings.Cut(key, "+")
		if origin != "" && origin != name {
			return nil, usagef("witness: --log %s: the key is for origin %q, not %q", v, name, origin)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

func defaultWitnessDir(name string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", truce.Errorf(truce.EINVALID, "No config directory for the witness's state (%v); give --dir DIR.", err)
	}
	return filepath.Join(dir, "truce", "witness", url.PathEscape(name)), nil
}

func (m *Main) runWitnessKey(args []string) error {
	f := m.flagSet("witness key", "witness key --name NAME --out KEYFILE",
		"Makes a witness key named NAME (e.g. mission.example/witness/ua), writes the secret key to\n"+
			"KEYFILE, readable by its owner only, and prints the cosignature verifier key, which the\n"+
			"charter lists for the witness.")
	name := f.String("name", "", "the witness's name (required)")
	out := f.String("out", "", "the key file to write (required)")
	if err := parse(f, args); err != nil {
		return err
	}
	if *name == "" || *out == "" {
		return usagef("witness key: --name and --out are required")
	}
	if _, err := os.Stat(*out); !errors.Is(err, fs.ErrNotExist) {
		return truce.Errorf(truce.ECONFLICT, "%s already exists; choose another file.", *out)
	}
	skey, vkey, err := witness.GenerateKey(*name)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, vkey)
	return nil
}

// stringsFlag collects a repeated string flag.
type stringsFlag []string

func (f *stringsFlag) String() string     { return strings.Join(*f, ",") }
func (f *stringsFlag) Set(v string) error { *f = append(*f, v); return nil }

// witnessServer is a witness's HTTP server.
type witnessServer struct {
	url    string
	server *http.Server
}

// serveWitness serves w's handler on addr in the background.
func serveWitness(w *witness.Witness, addr string, logger *slog.Logger) (*witnessServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Cannot listen on %s: %v.", addr, err)
	}
	s := &witnessServer{url: "http://" + ln.Addr().String(), server: &http.Server{
		Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	go s.server.Serve(ln)
	return s, nil
}

func (s *witnessServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.server.Shutdown(ctx)
}

// localWitnesses are the demo's witnesses, run inside "truce serve --demo"
// on loopback: one per witness key init wrote into the deployment.
type localWitnesses struct {
	witnesses []*witness.Witness
	servers   []*witnessServer
	// urls maps each witness's name to its base URL.
	urls map[string]string
}

// startLocalWitnesses starts a witness for each of the charter's witnesses
// whose key is in the deployment, keeping its state in
// DIR/witnesses/MEMBER.
func startLocalWitnesses(d *Deployment, p *truce.WitnessPolicy, logger *slog.Logger) (*localWitnesses, error) {
	lw := &localWitnesses{urls: map[string]string{}}
	if p == nil {
		return lw, nil
	}
	for _, wit := range p.Witnesses {
		path := d.path(witnessKeyFile(wit.Member))
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		signer, _, err := witness.ReadKeyFile(path)
		if err != nil {
			lw.close()
			return nil, err
		}
		w, err := witness.Open(witness.Config{Signer: signer, Logs: []string{d.VerifierKey},
			Dir: d.path(filepath.Join("witnesses", wit.Member)), Logger: logger.With("witness", wit.Member)})
		if err != nil {
			lw.close()
			return nil, err
		}
		lw.witnesses = append(lw.witnesses, w)
		srv, err := serveWitness(w, "127.0.0.1:0", logger)
		if err != nil {
			lw.close()
			return nil, err
		}
		lw.servers = append(lw.servers, srv)
		lw.urls[signer.Name()] = srv.url
	}
	return lw, nil
}

func (lw *localWitnesses) close() error {
	if lw == nil {
		return nil
	}
	var errs []error
	for _, s := range lw.servers {
		errs = append(errs, s.close())
	}
	for _, w := range lw.witnesses {
		errs = append(errs, w.Close())
	}
	lw.servers, lw.witnesses = nil, nil
	return errors.Join(errs...)
}

// parseWitnessURLs parses --witness NAME=URL values.
func parseWitnessURLs(values []string) (map[string]string, error) {
	urls := map[string]string{}
	for _, v := range values {
		name, u, ok := strings.Cut(v, "=")
		if !ok || name == "" || u == "" {
			return nil, usagef("--witness %q: want NAME=URL, e.g. mission.example/witness/ua=http://10.0.0.5:7380", v)
		}
		urls[name] = u
	}
	return urls, nil
}

// startWitnessing gives the log the charter's witness policy and the
// witnesses' URLs, after starting the local witnesses if asked to.
func (d *Daemon) startWitnessing(ctx context.Context) error {
	c, _, err := d.service.Charter(ctx)
	if truce.ErrorCode(err) == truce.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	urls := map[string]string{}
	for n, u := range d.deployment.WitnessURLs {
		urls[n] = u
	}
	for n, u := range d.WitnessURLs {
		urls[n] = u
	}
	if d.LocalWitnesses {
		if d.witnesses, err = startLocalWitnesses(d.deployment, c.Witnesses, d.Logger); err != nil {
			return err
		}
		for n, u := range d.witnesses.urls {
			urls[n] = u
		}
	}
	if c.Witnesses != nil {
		d.Logger.Info("witnesses", "quorum", c.Witnesses.Quorum, "of", len(c.Witnesses.Witnesses), "reachable", len(urls))
	}
	return d.log.SetWitnesses(c.Witnesses, urls)
}
