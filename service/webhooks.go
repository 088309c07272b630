package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/truce-project/truce"
)

// # Webhooks
//
// A member registers a URL with a filter; the service delivers each event
// of the feed that the member may see and the filter selects, one POST per
// event, in feed order. Each hook has its own goroutine and its own cursor
// in the feed's ring, so that a slow or failing endpoint never slows the
// projector, nor the other hooks: while it retries, the ring moves on,
// and once the ring no longer holds the hook's next event it gets a gap
// event instead. A delivery is signed with the operator's key (see
// [truce.WebhookSigned]) and retried with exponential backoff.
//
// Registrations persist in the WebhookStore; after a restart, deliveries
// go on with the events of the new run.
//
// # What a hook reads
//
// A hook reads as its member with the key that registered it, as a feed
// stream reads as the token that opened it; but a hook has no client to
// send a fresh token, so rather than end it, the service looks again at
// the member and the key before each delivery attempt: once the charter
// in force no longer names the member, or the key is revoked, the hook
// reads as the public, and gets only what the public may see. A member
// whose role changes gets what the new role may see. An event the hook
// may no longer see is skipped, also between the retries of one that
// failed.

// DeliveryConfig configures webhook deliveries. Every field is optional.
type DeliveryConfig struct {
	// Client sends deliveries. Defaults to a client with a 10 s timeout.
	Client *http.Client
	// MinBackoff is the wait before the first retry; each retry doubles it
	// up to MaxBackoff. Defaults: 1 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// Attempts is how many times an event is tried before it is dropped
	// (and logged). Defaults to 10.
	Attempts int
	// After waits between attempts. Defaults to time.After; tests pass one
	// that fires at once.
	After func(time.Duration) <-chan time.Time
}

func (c *DeliveryConfig) defaults() {
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.Attempts <= 0 {
		c.Attempts = 10
	}
	if c.After == nil {
		c.After = time.After
	}
}

// hooks runs the registered webhooks.
type hooks struct {
	store  truce.WebhookStore
	signer *truce.Signer
	cfg    DeliveryConfig
	ctx    context.Context
	wg     sync.WaitGroup

	// create admits one registration at a time, so that counting a
	// member's hooks and adding one is atomic: a semaphore rather than a
	// mutex, so that a request that gives up stops waiting.
	create chan struct{}

	mu      sync.Mutex
	running map[string]*hookRun
}

// hookRun is one running hook.
type hookRun struct {
	hook   truce.Webhook
	cancel context.CancelFunc
}

// newHooks returns the hooks of store, delivered as cfg says and signed
// by signer until ctx ends.
func newHooks(ctx context.Context, store truce.WebhookStore, signer *truce.Signer, cfg DeliveryConfig) *hooks {
	cfg.defaults()
	return &hooks{store: store, signer: signer, cfg: cfg, ctx: ctx, create: make(chan struct{}, 1), running: map[string]*hookRun{}}
}

// openHooks loads the registrations and starts delivering to them.
func (s *Service) openHooks(ctx, runCtx context.Context, cfg Config) error {
	s.hooks = newHooks(runCtx, cfg.Webhooks, cfg.Operator, cfg.Deliver)
	if cfg.Webhooks == nil {
		return nil
	}
	list, err := cfg.Webhooks.Webhooks(ctx)
	if err != nil {
		return fmt.Errorf("load webhooks: %w", err)
	}
	for _, h := range list {
		s.startHook(h)
	}
	return nil
}

// hooksReady returns the reader of ctx, EUNAUTHORIZED for the public, and
// ENOTIMPLEMENTED when the service has no webhook store or no key to sign
// deliveries with.
func (s *Service) hooksReady(ctx context.Context) (truce.Reader, error) {
	r := truce.ReaderFrom(ctx)
	if r.Member == "" {
		return r, truce.Errorf(truce.EUNAUTHORIZED, "Webhooks are for members: send a bearer token from \"truce token\".")
	}
	if s.hooks.store == nil || s.hooks.signer == nil {
		return r, truce.Errorf(truce.ENOTIMPLEMENTED, "This server keeps no webhooks (it has no webhook store or no operator key).")
	}
	return r, nil
}

// CreateWebhook implements [truce.Webhooks]. Registrations are made one
// at a time: the count of the member's hooks, the insert into the store
// and the start of the hook happen together, so that concurrent requests
// never take a member past MaxWebhooksPerMember.
func (s *Service) CreateWebhook(ctx context.Context, h truce.Webhook) (*truce.Webhook, error) {
	r, err := s.hooksReady(ctx)
	if err != nil {
		return nil, err
	}
	if err := truce.CheckWebhookURL(h.URL); err != nil {
		return nil, err
	}
	if err := h.Filter.Check(); err != nil {
		return nil, err
	}
	select {
	case s.hooks.create <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.hooks.create }()
	if len(s.ownHooks(r.Member)) >= truce.MaxWebhooksPerMember {
		return nil, truce.Errorf(truce.ECONFLICT, "A member registers at most %d webhooks; delete one first.", truce.MaxWebhooksPerMember)
	}
	var id [16]byte
	rand.Read(id[:])
	h = truce.Webhook{ID: hex.EncodeToString(id[:]), Member: r.Member, Key: r.Key, URL: h.URL, Filter: h.Filter, Created: s.now().UTC()}
	if err := s.hooks.store.CreateWebhook(ctx, h); err != nil {
		return nil, err
	}
	s.startHook(h)
	return &h, nil
}

// ListWebhooks implements [truce.Webhooks].
func (s *Service) ListWebhooks(ctx context.Context) ([]truce.Webhook, error) {
	r, err := s.hooksReady(ctx)
	if err != nil {
		return nil, err
	}
	return s.ownHooks(r.Member), nil
}

// DeleteWebhook implements [truce.Webhooks].
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	r, err := s.hooksReady(ctx)
	if err != nil {
		return err
	}
	if err := s.hooks.store.DeleteWebhook(ctx, r.Member, id); err != nil {
		return err
	}
	s.hooks.mu.Lock()
	if run := s.hooks.running[id]; run != nil {
		run.cancel()
		delete(s.hooks.running, id)
	}
	s.hooks.mu.Unlock()
	return nil
}

// ownHooks returns member's hooks, ordered by id.
func (s *Service) ownHooks(member string) []truce.Webhook {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	out := []truce.Webhook{}
	for _, run := range s.hooks.running {
		if run.hook.Member == member {
			out = append(out, run.hook)
		}
	}
	slices.SortFunc(out, func(a, b truce.Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// startHook subscribes h to the feed from now on and starts delivering.
func (s *Service) startHook(h truce.Webhook) {
	ctx, cancel := context.WithCancel(s.hooks.ctx)
	s.hooks.mu.Lock()
	s.hooks.running[h.ID] = &hookRun{hook: h, cancel: cancel}
	s.hooks.mu.Unlock()
	sub := s.feed.subscribe(s.hookReader(h), h.Filter, nil)
	s.hooks.wg.Go(func() { s.runHook(ctx, h, sub) })
}

// hookReader returns the reader hook h reads as now: its member, unless
// the charter in force no longer names the member or the key that
// registered h is revoked; then the public.
func (s *Service) hookReader(h truce.Webhook) truce.Reader {
	auth := s.access.Load()
	m := auth.Member(h.Member)
	if m == nil || m.Removed {
		return truce.Public
	}
	if h.Key != "" {
		if k := auth.Key(h.Key); k == nil || k.Member != h.Member || !k.Active() {
			return truce.Public
		}
	}
	r := truce.ReaderOf(m)
	r.Key = h.Key
	return r
}

// runHook delivers the events of sub to h until ctx ends.
func (s *Service) runHook(ctx context.Context, h truce.Webhook, sub *subscription) {
	for {
		batch, err := sub.wait(ctx, 64)
		if err != nil {
			return
		}
		for _, e := range batch {
			if !s.deliver(ctx, h, e) {
				if ctx.Err() != nil {
					return
				}
				s.logger.Warn("webhook delivery dropped", "hook", h.ID, "member", h.Member, "event", e.id.String())
			}
		}
	}
}

// deliver posts e to h as h may see it, retrying with exponential
// backoff; it reports whether the endpoint took it or h may not see it.
// Each attempt looks again at what h may see (hookReader), so that a
// retry never carries what h lost the right to read while it waited.
func (s *Service) deliver(ctx context.Context, h truce.Webhook, fe *feedEvent) bool {
	cfg := &s.hooks.cfg
	wait := cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		e, ok := fe.see(s.hookReader(h), &h.Filter)
		if !ok {
			return true
		}
		body, _ := json.Marshal(e)
		err := s.post(ctx, h, e, body)
		if err == nil {
			return true
		}
		s.logger.Debug("webhook delivery failed", "hook", h.ID, "event", e.ID.String(), "attempt", attempt, "err", err)
		if attempt >= cfg.Attempts {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-cfg.After(wait):
		}
		wait = min(2*wait, cfg.MaxBackoff)
	}
}

// post makes one delivery attempt.
func (s *Service) post(ctx context.Context, h truce.Webhook, e truce.Event, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "truce-webhook/1")
	req.Header.Set("Truce-Event", e.Type)
	req.Header.Set("Truce-Event-Id", e.ID.String())
	req.Header.Set("Truce-Webhook", h.ID)
	req.Header.Set("Truce-Signature", SignWebhook(s.hooks.signer, s.now(), body))
	resp, err := s.hooks.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// SignWebhook returns the Truce-Signature header of a delivery of body at
// now: "t=UNIX,keyid=KEYID,sig=BASE64", where sig is ed25519 by the
// operator's key over [truce.WebhookSigned](UNIX, body).
func SignWebhook(s *truce.Signer, now time.Time, body []byte) string {
	t := now.Unix()
	sig := ed25519.Sign(s.Key, truce.WebhookSigned(t, body))
	return "t=" + strconv.FormatInt(t, 10) + ",keyid=" + s.ID() + ",sig=" + base64.StdEncoding.EncodeToString(sig)
}

// waitHooks waits until every hook goroutine has returned.
func (h *hooks) wait() {
	if h != nil {
		h.wg.Wait()
	}
}
