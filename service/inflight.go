package service

import (
	"sync"

	"github.com/truce-project/truce"
)

// inflight collapses concurrent submissions of one statement into one
// append: the first registers a call, the others wait for its result.
type inflight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done    chan struct{}
	receipt *truce.Receipt
	err     error
}

// join returns the call for id and whether the caller leads it.
func (f *inflight) join(id string) (*call, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[id]; ok {
		return c, false
	}
	c := &call{done: make(chan struct{})}
	f.calls[id] = c
	return c, true
}

// finish records the leader's result and releases the waiters.
func (f *inflight) finish(id string, c *call, r *truce.Receipt, err error) {
	c.receipt, c.err = r, err
	f.mu.Lock()
	delete(f.calls, id)
	f.mu.Unlock()
	close(c.done)
}
