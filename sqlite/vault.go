package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/truce-project/truce"
)

// Vault is a [truce.Vault] in a SQLite database of its own (a deployment's
// vault.db), beside the projection and outside the log's directory: the
// envelopes of sealed statements, which the public log holds only as
// commitments. Unlike the projection it is a record, not something a
// replay can rebuild, so nothing drops it, and it is opened with
// synchronous=FULL: when Put returns, the envelopes are on disk.
//
// # Group commit
//
// Every Put goes to one goroutine, which writes whatever puts are waiting
// in a single transaction and syncs once for all of them: concurrent
// submissions share a sync instead of queueing one sync each.
type Vault struct {
	w, r *sql.DB
	puts chan *vaultPut
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

var _ truce.Vault = (*Vault)(nil)

// vaultPut is one Put waiting for its group's commit.
type vaultPut struct {
	envelopes [][]byte
	done      chan error
}

// maxGroup bounds how many puts one transaction takes.
const maxGroup = 1024

const vaultSchema = `CREATE TABLE IF NOT EXISTS sealed (
	id       TEXT NOT NULL UNIQUE,
	envelope BLOB NOT NULL
) STRICT`

// OpenVault opens, and creates if needed, the vault database at path.
func OpenVault(path string) (*Vault, error) {
	w, err := openPool(path, url.Values{"_txlock": {"immediate"}, "_synchronous": {"FULL"}}, 1)
	if err != nil {
		return nil, err
	}
	if _, err := w.Exec(vaultSchema); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: create vault %s: %w", path, err)
	}
	r, err := openPool(path, url.Values{"_query_only": {"1"}}, maxReaders())
	if err != nil {
		w.Close()
		return nil, err
	}
	v := &Vault{w: w, r: r, puts: make(chan *vaultPut), stop: make(chan struct{}), done: make(chan struct{})}
	go v.commit()
	return v, nil
}

// Put implements [truce.Vault].
func (v *Vault) Put(ctx context.Context, envelopes ...[]byte) error {
	if len(envelopes) == 0 {
		return nil
	}
	p := &vaultPut{envelopes: envelopes, done: make(chan error, 1)}
	select {
	case v.puts <- p:
	case <-v.stop:
		return errors.New("sqlite: vault is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commit writes the waiting puts, a group at a time, until Close.
func (v *Vault) commit() {
	defer close(v.done)
	for {
		var group []*vaultPut
		select {
		case p := <-v.puts:
			group = append(group, p)
		case <-v.stop:
			return
		}
	more:
		for len(group) < maxGroup {
			select {
			case p := <-v.puts:
				group = append(group, p)
			default:
				break more
			}
		}
		err := v.write(group)
		for _, p := range group {
			p.done <- err
		}
	}
}

// write stores the envelopes of a group in one transaction.
func (v *Vault) write(group []*vaultPut) error {
	ctx := context.Background()
	tx, err := v.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap("vault put", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sealed (id, envelope) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return wrap("vault put", err)
	}
	defer stmt.Close()
	for _, p := range group {
		for _, env := range p.envelopes {
			if _, err := stmt.ExecContext(ctx, truce.StatementID(env), env); err != nil {
				return wrap("vault put", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap("vault put", err)
	}
	return nil
}

// Get implements [truce.Vault].
func (v *Vault) Get(ctx context.Context, id string) ([]byte, error) {
	var env []byte
	err := v.r.QueryRowContext(ctx, `SELECT envelope FROM sealed WHERE id = ?`, id).Scan(&env)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, truce.Errorf(truce.ENOTFOUND, "The vault holds no statement %s.", id)
	}
	if err != nil {
		return nil, wrap("vault get", err)
	}
	return env, nil
}

// Close waits for the puts being written and closes the database. Closing
// again does nothing.
func (v *Vault) Close() error {
	v.once.Do(func() { close(v.stop) })
	<-v.done
	if err := errors.Join(v.r.Close(), v.w.Close()); err != nil {
		return fmt.Errorf("sqlite: close vault: %w", err)
	}
	return nil
}
