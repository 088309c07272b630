package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/internal/atomicfile"
	"github.com/truce-project/truce/sqlite"
	"github.com/truce-project/truce/web"
)

// Deployment is a deployment directory's configuration, kept in
// DIR/truce.json. Paths are relative to the directory.
type Deployment struct {
	// Name is the deployment's name for people.
	Name string `json:"name"`
	// Origin is the log's origin: the first line of its checkpoints and the
	// log every statement names.
	Origin string `json:"origin"`
	// VerifierKey is the log's public key in signed-note format.
	VerifierKey string `json:"verifier_key"`
	// LogDir holds the log's tiles and checkpoint. Default "log".
	LogDir string `json:"log_dir"`
	// Database is the SQLite projection. Default "truce.db".
	Database string `json:"database"`
	// Vault is the SQLite database that keeps the envelopes of sealed
	// statements, which the log holds only as commitments. Unlike the
	// projection it is a record: back it up with the log; rebuild keeps it.
	// Optional; default "vault.db".
	Vault string `json:"vault,omitempty"`
	// LogKeyFile holds the log's secret signing key. Default "log.key".
	LogKeyFile string `json:"log_key_file"`
	// StateRootInterval is how many log entries lie between two state
	// roots. Optional; default 1000.
	StateRootInterval uint64 `json:"state_root_interval,omitempty"`
	// Web configures the web interface, e.g. a tile server for the map.
	// Optional; see web.Config.
	Web *web.Config `json:"web,omitempty"`
	// WitnessURLs maps the name of each witness the charter names to the
	// base URL of its C2SP tlog-witness service, where the log asks it to
	// cosign each checkpoint. Optional: a witness without a URL is not
	// asked. "truce serve --witness NAME=URL" adds to it.
	WitnessURLs map[string]string `json:"witness_urls,omitempty"`

	dir string
	// witnesses is the charter's policy, set by init.
	witnesses *truce.WitnessPolicy
}

const deploymentFile = "truce.json"

// loadDeployment reads DIR/truce.json.
func loadDeployment(dir string) (*Deployment, error) {
	data, err := os.ReadFile(filepath.Join(dir, deploymentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, truce.Errorf(truce.ENOTFOUND, "%s is not a Truce deployment (no %s); create one with \"truce init --dir %s\".", dir, deploymentFile, dir)
	}
	if err != nil {
		return nil, err
	}
	var d Deployment
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "%s: %v.", filepath.Join(dir, deploymentFile), err)
	}
	d.dir = dir
	return &d, nil
}

func (d *Deployment) save() error {
	data, _ := json.MarshalIndent(d, "", "  ")
	return writeFileAtomic(filepath.Join(d.dir, deploymentFile), append(data, '\n'), 0o644)
}

func (d *Deployment) path(p string) string { return filepath.Join(d.dir, p) }

// vaultPath returns the path of the deployment's vault.
func (d *Deployment) vaultPath() string {
	if d.Vault == "" {
		return d.path("vault.db")
	}
	return d.path(d.Vault)
}

// openVault opens the deployment's vault.
func (d *Deployment) openVault() (*sqlite.Vault, error) {
	v, err := sqlite.OpenVault(d.vaultPath())
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	return v, nil
}

// logKey reads the log's secret signing key.
func (d *Deployment) logKey() (string, error) {
	data, err := os.ReadFile(d.path(d.LogKeyFile))
	if err != nil {
		return "", truce.Errorf(truce.EINVALID, "Cannot read the log's signing key: %v.", err)
	}
	return string(trimNewline(data)), nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// writeFileAtomic replaces path with data durably: a crash leaves the old
// file or the new one, never half.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, data, perm)
}

// operatorKey reads the operator's key, keys/operator.key, with which the
// service signs state roots; nil if the deployment has none.
func (d *Deployment) operatorKey() (*truce.Signer, error) {
	path := d.path(filepath.Join("keys", "operator.key"))
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return truce.ReadSignerFile(path)
}

// webConfig returns the web interface's configuration, named after the
// deployment unless it names itself.
func (d *Deployment) webConfig() web.Config {
	var c web.Config
	if d.Web != nil {
		c = *d.Web
	}
	if c.Name == "" {
		c.Name = d.Name
	}
	return c
}
