package service

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/truce-project/truce"
)

// gateStore is a WebhookStore in memory whose CreateWebhook, once gate is
// set, counts the calls inside it and waits for gate to close.
type gateStore struct {
	gate   chan struct{}
	mu     sync.Mutex
	inside int
	hooks  []truce.Webhook
}

func (g *gateStore) CreateWebhook(ctx context.Context, h truce.Webhook) error {
	if g.gate != nil {
		g.mu.Lock()
		g.inside++
		g.mu.Unlock()
		<-g.gate
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hooks = append(g.hooks, h)
	return nil
}

func (g *gateStore) Webhooks(context.Context) ([]truce.Webhook, error) { return g.hooks, nil }

func (g *gateStore) DeleteWebhook(context.Context, string, string) error { return nil }

// testSigner returns a key for member drawn from a fixed seed.
func testSigner(t *testing.T, member string, seed byte) *truce.Signer {
	t.Helper()
	s, err := truce.GenerateSigner(member, rand.NewChaCha8([32]byte{seed}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hookService returns a service with only what webhooks need: the
// members and keys of auth, a feed, and hooks kept in store until ctx
// ends.
func hookService(t *testing.T, ctx context.Context, auth *truce.Authority, store truce.WebhookStore) *Service {
	t.Helper()
	s := &Service{logger: slog.New(slog.DiscardHandler), now: func() time.Time { return time.Unix(1742299200, 0) }, feed: newHub(16)}
	s.access.Store(auth)
	s.hooks = newHooks(ctx, store, testSigner(t, "operator", 9), DeliveryConfig{})
	return s
}

// Concurrent registrations never take a member past the limit: while one
// is inside the store, the others wait, and then find the limit reached.
// synctest.Wait returns once every goroutine is blocked, so the count
// inside the store is the most that ever got there at once.
func TestCreateWebhookConcurrently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		auth, err := truce.RestoreAuthority("test", "", []truce.MemberState{{ID: "ua", Role: truce.RoleParty}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(context.Background())
		store := &gateStore{}
		s := hookService(t, runCtx, auth, store)
		ctx := truce.WithReader(context.Background(), truce.Reader{Member: "ua", Role: truce.RoleParty})
		hook := truce.Webhook{URL: "https://example.org/hook"}
		for range truce.MaxWebhooksPerMember - 1 {
			if _, err := s.CreateWebhook(ctx, hook); err != nil {
				t.Fatal(err)
			}
		}

		store.gate = make(chan struct{})
		const racers = 4
		errs := make(chan error, racers)
		for range racers {
			go func() {
				_, err := s.CreateWebhook(ctx, hook)
				errs <- err
			}()
		}
		synctest.Wait()
		store.mu.Lock()
		inside := store.inside
		store.mu.Unlock()
		if inside != 1 {
			t.Errorf("%d registrations inside the store at once, want 1", inside)
		}
		close(store.gate)
		var created, refused int
		for range racers {
			switch err := <-errs; truce.ErrorCode(err) {
			case "":
				created++
			case truce.ECONFLICT:
				refused++
			default:
				t.Errorf("CreateWebhook: %v", err)
			}
		}
		if created != 1 || refused != racers-1 {
			t.Errorf("%d created and %d refused, want 1 and %d", created, refused, racers-1)
		}
		if n, m := len(store.hooks), len(s.ownHooks("ua")); n != truce.MaxWebhooksPerMember || m != n {
			t.Errorf("the store holds %d hooks and %d run, want %d", n, m, truce.MaxWebhooksPerMember)
		}
		stop()
		s.hooks.wait()
	})
}

// A registration that waits for another gives up when its request does.
func TestCreateWebhookGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		auth, _ := truce.RestoreAuthority("test", "", []truce.MemberState{{ID: "ua", Role: truce.RoleParty}}, nil)
		runCtx, stop := context.WithCancel(context.Background())
		defer stop()
		store := &gateStore{gate: make(chan struct{})}
		s := hookService(t, runCtx, auth, store)
		ctx := truce.WithReader(context.Background(), truce.Reader{Member: "ua", Role: truce.RoleParty})
		first := make(chan error)
		go func() {
			_, err := s.CreateWebhook(ctx, truce.Webhook{URL: "https://example.org/1"})
			first <- err
		}()
		synctest.Wait() // the first is inside the store
		waiting, cancel := context.WithCancel(ctx)
		second := make(chan error)
		go func() {
			_, err := s.CreateWebhook(waiting, truce.Webhook{URL: "https://example.org/2"})
			second <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-second; err != context.Canceled {
			t.Errorf("the waiting registration returned %v, want context.Canceled", err)
		}
		close(store.gate)
		if err := <-first; err != nil {
			t.Errorf("the first registration: %v", err)
		}
		stop()
		s.hooks.wait()
	})
}

// TestHookReader checks what a hook reads as: its member with the key
// that registered it, or the public once either no longer holds.
func TestHookReader(t *testing.T) {
	ua, ua2, ru := testSigner(t, "ua", 1), testSigner(t, "ua", 2), testSigner(t, "ru", 3)
	revokedAt := uint64(7)
	key := func(s *truce.Signer, revoked *uint64) truce.Key {
		pk := truce.NewPublicKey(s.Public())
		return truce.Key{ID: pk.ID, Member: s.Member, PublicKey: pk.Key, RevokedAt: revoked}
	}
	auth, err := truce.RestoreAuthority("test", "",
		[]truce.MemberState{{ID: "ua", Role: truce.RoleParty}, {ID: "ru", Role: truce.RoleSource}, {ID: "gone", Role: truce.RoleMonitor, Removed: true}},
		[]truce.Key{key(ua, nil), key(ua2, &revokedAt), key(ru, nil)})
	if err != nil {
		t.Fatal(err)
	}
	s := hookService(t, t.Context(), auth, &gateStore{})
	tests := []struct {
		name         string
		member, key  string
		want         truce.Role
		wantsContent bool
	}{
		{"member with its live key", "ua", ua.ID(), truce.RoleParty, true},
		{"key revoked", "ua", ua2.ID(), truce.RolePublic, false},
		{"another member's key", "ua", ru.ID(), truce.RolePublic, false},
		{"unknown key", "ua", "nope", truce.RolePublic, false},
		{"registered before keys were recorded", "ua", "", truce.RoleParty, true},
		{"a source reads as one", "ru", ru.ID(), truce.RoleSource, false},
		{"member left the charter", "gone", "", truce.RolePublic, false},
		{"member never chartered", "nobody", "", truce.RolePublic, false},
	}
	bulletin := &feedEvent{id: truce.EventID{Index: 9}, typ: truce.EventStatement, kind: string(truce.KindBulletin), signer: "us", full: []byte(`{}`)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := truce.Webhook{Member: tt.member, Key: tt.key}
			r := s.hookReader(h)
			if r.Role != tt.want || (tt.want != truce.RolePublic && r.Member != tt.member) {
				t.Errorf("reads as %+v, want %s", r, tt.want)
			}
			if _, ok := bulletin.see(r, &h.Filter); ok != tt.wantsContent {
				t.Errorf("sees a members-only statement: %v, want %v", ok, tt.wantsContent)
			}
		})
	}
}
