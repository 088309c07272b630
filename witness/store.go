package witness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/truce-project/truce/internal/atomicfile"
)

// state is what the witness keeps per log: the latest checkpoint it
// cosigned.
type state struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Hash   []byte `json:"hash"`
	// Checkpoint is the signed note with the log's signature and the
	// witness's cosignature.
	Checkpoint string `json:"checkpoint"`
}

// store keeps one file per log in dir, logs/ORIGIN.json with the origin
// path-escaped, and the refused checkpoints in conflicts.jsonl.
type store struct {
	dir  string
	lock *os.File
}

const conflictsFile = "conflicts.jsonl"

func openStore(dir string) (*store, error) {
	if dir == "" {
		return nil, errors.New("witness: Config.Dir is empty: set it to the directory that keeps the witness's state")
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		return nil, fmt.Errorf("witness: create state directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("witness: open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("witness: the state directory %s is in use by another witness: %w", dir, err)
	}
	return &store{dir: dir, lock: f}, nil
}

func (s *store) close() error { return s.lock.Close() }

func (s *store) path(origin string) string {
	return filepath.Join(s.dir, "logs", url.PathEscape(origin)+".json")
}

// latest returns the state of origin, or nil if the witness never cosigned
// a checkpoint of it.
func (s *store) latest(origin string) (*state, error) {
	data, err := os.ReadFile(s.path(origin))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read witness state: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil || st.Origin != origin {
		return nil, fmt.Errorf("witness state %s is corrupt", s.path(origin))
	}
	return &st, nil
}

// put replaces the state of st.Origin durably: the new file is synced
// before it is renamed into place and the directory is synced after.
func (s *store) put(st *state) error {
	data, _ := json.MarshalIndent(st, "", "  ")
	return atomicfile.Write(s.path(st.Origin), append(data, '\n'), 0o600)
}

// all returns every log's cosigned checkpoint, ordered by origin.
func (s *store) all() ([][]byte, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "logs"))
	if err != nil {
		return nil, err
	}
	var origins []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if o, err := url.PathUnescape(name); ok && err == nil && !strings.HasPrefix(name, ".") {
			origins = append(origins, o)
		}
	}
	slices.Sort(origins)
	out := [][]byte{}
	for _, o := range origins {
		st, err := s.latest(o)
		if err != nil {
			return nil, err
		}
		out = append(out, []byte(st.Checkpoint))
	}
	return out, nil
}

// addConflict appends c to the conflicts file and syncs it.
func (s *store) addConflict(c Conflict) error {
	f, err := os.OpenFile(filepath.Join(s.dir, conflictsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(c)
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// conflicts reads the conflicts file; a torn last line is skipped.
func (s *store) conflicts() ([]Conflict, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, conflictsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Conflict
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c Conflict
		if json.Unmarshal(sc.Bytes(), &c) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}
