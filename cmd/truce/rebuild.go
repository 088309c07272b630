package main

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-project/truce/service"
	"github.com/truce-project/truce/sqlite"
)

func (m *Main) runRebuild(ctx context.Context, args []string) error {
	fs := m.flagSet("rebuild", "rebuild --dir DIR",
		"Drops the projection of the deployment in DIR and replays the whole log into it,\n"+
			"reading sealed statements from the vault, which it keeps.\n"+
			"The server must not be running. The result is the same projection, byte for byte\n"+
			"in every field derived from the log.")
	dir := fs.String("dir", "", "deployment directory (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("rebuild: --dir is required")
	}
	d, err := loadDeployment(*dir)
	if err != nil {
		return err
	}
	l, err := openLog(ctx, d, nil)
	if err != nil {
		return err
	}
	defer l.Close(ctx)
	store, err := sqlite.Open(d.path(d.Database))
	if err != nil {
		return fmt.Errorf("open projection: %w", err)
	}
	defer store.Close()
	vault, err := d.openVault()
	if err != nil {
		return err
	}
	defer vault.Close()
	if err := store.Reset(ctx); err != nil {
		return fmt.Errorf("reset projection: %w", err)
	}
	start := time.Now()
	tuneGC(m.Getenv)
	svc, err := service.Open(ctx, service.Config{Log: l, Store: store, Vault: vault})
	if err != nil {
		return err
	}
	defer svc.Close()
	root, err := svc.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Replayed %d log entries into %s in %v.\nState digest at %d entries: %s (%d incidents)\n",
		svc.Applied(), d.path(d.Database), time.Since(start).Round(time.Millisecond), root.Size, root.Digest, root.Incidents)
	return nil
}
