package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/service"
	"github.com/truce-project/truce/sqlite"
	"github.com/truce-project/truce/tlog"
	"github.com/truce-project/truce/web"
)

// Daemon is a running deployment: its log, projection, service and HTTP
// server. Tests run one with Dir set to t.TempDir() and Addr to ":0".
type Daemon struct {
	// Dir is the deployment directory. Required.
	Dir string
	// Addr is the HTTP listen address. Required.
	Addr string
	// Logger receives logs. Optional.
	Logger *slog.Logger
	// Now is the server's clock. Optional.
	Now func() time.Time
	// WitnessURLs maps witness names to base URLs, over the deployment's
	// witness_urls. Optional.
	WitnessURLs map[string]string
	// LocalWitnesses runs, on loopback, a witness for each of the charter's
	// witnesses whose key is in the deployment, as the demo does. Optional.
	LocalWitnesses bool
	// Deliver configures webhook deliveries. Optional.
	Deliver service.DeliveryConfig

	deployment *Deployment
	log        *tlog.Log
	store      *sqlite.Store
	vault      *sqlite.Vault
	service    *service.Service
	server     *thttp.Server
	witnesses  *localWitnesses
}

// Open opens the deployment, replays what the log holds beyond the
// projection, and starts serving.
func (d *Daemon) Open(ctx context.Context) (err error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.deployment, err = loadDeployment(d.Dir); err != nil {
		return err
	}
	if d.log, err = openLog(ctx, d.deployment, d.Logger); err != nil {
		return err
	}
	if d.store, err = sqlite.Open(d.deployment.path(d.deployment.Database)); err != nil {
		return fmt.Errorf("open projection: %w", err)
	}
	if d.vault, err = d.deployment.openVault(); err != nil {
		return err
	}
	operator, err := d.deployment.operatorKey()
	if err != nil {
		return err
	}
	start := time.Now()
	d.service, err = service.Open(ctx, service.Config{Log: d.log, Store: d.store, Vault: d.vault, Logger: d.Logger, Now: d.Now,
		Operator: operator, StateRootInterval: d.deployment.StateRootInterval, Webhooks: d.store, Deliver: d.Deliver})
	if err != nil {
		return err
	}
	d.Logger.Info("projection ready", "size", d.service.Applied(), "took", time.Since(start).Round(time.Millisecond))
	if err := d.startWitnessing(ctx); err != nil {
		return err
	}
	ui, err := web.Handler(d.deployment.webConfig())
	if err != nil {
		return err
	}
	d.server = &thttp.Server{Addr: d.Addr, Ledger: d.service, LogDir: d.log.Dir(), VerifierKey: d.deployment.VerifierKey, Logger: d.Logger, Now: d.Now, UI: ui,
		Feed: d.service, Webhooks: d.service}
	if err := d.server.Open(); err != nil {
		return err
	}
	d.Logger.Info("serving", "url", d.server.URL(), "origin", d.deployment.Origin)
	return nil
}

// URL returns the server's base URL.
func (d *Daemon) URL() string { return d.server.URL() }

// Close stops serving, waits for requests in flight, and closes the log
// and the projection.
func (d *Daemon) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if d.server != nil {
		errs = append(errs, d.server.Close(ctx))
	}
	if d.service != nil {
		errs = append(errs, d.service.Close())
	}
	if d.log != nil {
		errs = append(errs, d.log.Close(ctx))
	}
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	if d.vault != nil {
		errs = append(errs, d.vault.Close())
	}
	errs = append(errs, d.witnesses.close())
	return errors.Join(errs...)
}

func openLog(ctx context.Context, d *Deployment, logger *slog.Logger) (*tlog.Log, error) {
	skey, err := d.logKey()
	if err != nil {
		return nil, err
	}
	signer, err := tlog.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	l, err := tlog.Open(ctx, tlog.Config{Dir: d.path(d.LogDir), Signer: signer, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return l, nil
}

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.flagSet("serve", "serve --dir DIR [--addr 127.0.0.1:8080] [--demo] [--log-level info]",
		"Runs the service of the deployment in DIR: the web interface at /, the JSON API at /v1/,\n"+
			"the log's tiles and checkpoint at /log/. On start it replays whatever the log holds beyond the projection.\n"+
			"With --demo, a DIR without a deployment first gets the demo one (see \"truce init -h\"),\n"+
			"and the service runs the charter's witnesses itself, on loopback, so that every\n"+
			"checkpoint is cosigned; in a real deployment each member runs \"truce witness\".")
	dir := fs.String("dir", "", "deployment directory (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	demo := fs.Bool("demo", false, "create the demo deployment in DIR if it has none")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	var witnessURLs stringsFlag
	fs.Var(&witnessURLs, "witness", "a witness's URL as NAME=URL, over truce.json's witness_urls (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("serve: --dir is required")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return usagef("serve: --log-level %q is not one of debug, info, warn, error", *level)
	}
	if *demo {
		if err := m.ensureDemo(ctx, *dir); err != nil {
			return err
		}
	}
	urls, err := parseWitnessURLs(witnessURLs)
	if err != nil {
		return err
	}
	tuneGC(m.Getenv)
	d := &Daemon{Dir: *dir, Addr: *addr, Now: m.Now, WitnessURLs: urls, LocalWitnesses: *demo,
		Logger: slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: lvl}))}
	if err := d.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "Truce is serving %s at %s (Ctrl-C stops it)\n", d.deployment.Name, d.URL())
	<-ctx.Done()
	return d.Close()
}

// ensureDemo creates the demo deployment in dir unless it has one.
func (m *Main) ensureDemo(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, deploymentFile)); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	_, err := m.initDeployment(ctx, initOptions{dir: dir, name: demoName, members: cloneMembers(demoMembers), demo: true})
	if err == nil {
		fmt.Fprintf(m.Stderr, "Created the demo deployment in %s; member keys are in %s\n", dir, filepath.Join(dir, "keys"))
	}
	return err
}
