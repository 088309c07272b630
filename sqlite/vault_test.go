package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/sqlite"
)

// TestVault puts envelopes from many goroutines at once, as concurrent
// submissions do, and reads them back after the vault is reopened.
func TestVault(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := sqlite.OpenVault(path)
	if err != nil {
		t.Fatal(err)
	}
	var envs [][]byte
	for i := range 64 {
		envs = append(envs, []byte(fmt.Sprintf(`{"envelope":%d}`, i)))
	}
	var wg sync.WaitGroup
	for i, env := range envs {
		wg.Go(func() {
			if err := v.Put(ctx, env, envs[(i+1)%len(envs)]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Put(ctx, envs[0]); err == nil {
		t.Error("Put after Close succeeded")
	}
	v, err = sqlite.OpenVault(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, env := range envs {
		got, err := v.Get(ctx, truce.StatementID(env))
		if err != nil || !bytes.Equal(got, env) {
			t.Fatalf("Get(%s) = %q, %v; want %q", truce.StatementID(env), got, err, env)
		}
	}
	if _, err := v.Get(ctx, strings.Repeat("0", 64)); truce.ErrorCode(err) != truce.ENOTFOUND {
		t.Errorf("Get of a missing id = %v, want ENOTFOUND", err)
	}
}
