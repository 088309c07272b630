package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// testWebhooks checks [truce.WebhookStore], for stores that implement it:
// registrations come back as created (with or without a key), ordered by
// id; an id is taken once; a member deletes only its own; Reset leaves
// them; they survive a reopen.
func (s *suite) testWebhooks(t *testing.T) {
	ctx := context.Background()
	st := s.open(t, "webhooks")
	ws, ok := st.(truce.WebhookStore)
	if !ok {
		st.Close()
		t.Skip("the store keeps no webhooks")
	}
	at := time.Date(2025, 3, 18, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	hooks := []truce.Webhook{
		{ID: "b2", Member: "party-a", Key: "party-a-key-2", URL: "https://example.org/hook", Created: at,
			Filter: truce.FeedFilter{Kinds: []string{"report", "incident"}, Party: "party-b", BBox: &[4]float64{30, 44, 40, 52.5}}},
		{ID: "a1", Member: "monitor", URL: "http://127.0.0.1:9/x?y=z", Created: at.Add(time.Second)},
	}
	for _, h := range hooks {
		if err := ws.CreateWebhook(ctx, h); err != nil {
			t.Fatalf("CreateWebhook(%s): %v", h.ID, err)
		}
	}
	wantCode(t, ws.CreateWebhook(ctx, hooks[0]), truce.ECONFLICT, "CreateWebhook twice")
	want := []truce.Webhook{hooks[1], hooks[0]}
	for i := range want {
		want[i].Created = want[i].Created.UTC()
	}
	check := func(what string, ws truce.WebhookStore) {
		t.Helper()
		got, err := ws.Webhooks(ctx)
		if err != nil {
			t.Fatalf("%s: Webhooks: %v", what, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Webhooks = %+v, want %+v", what, got, want)
		}
	}
	check("after create", ws)
	wantCode(t, ws.DeleteWebhook(ctx, "party-a", "a1"), truce.ENOTFOUND, "DeleteWebhook of another member's")
	wantCode(t, ws.DeleteWebhook(ctx, "party-a", "zz"), truce.ENOTFOUND, "DeleteWebhook of an unknown id")
	if err := st.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	check("after Reset", ws)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = s.open(t, "webhooks")
	defer st.Close()
	ws = st.(truce.WebhookStore)
	check("after reopen", ws)
	if err := ws.DeleteWebhook(ctx, "monitor", "a1"); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	want = want[1:]
	check("after delete", ws)
}
