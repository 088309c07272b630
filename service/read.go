package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/truce-project/truce"
)

// Receipt implements truce.Ledger.
func (s *Service) Receipt(ctx context.Context, id string) (*truce.Receipt, error) {
	cp, err := s.log.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	return s.receiptAt(ctx, id, cp)
}

// receiptAt returns the receipt of id against cp. The projector applies
// integrated entries that a published checkpoint may not cover yet; such a
// statement has no receipt until the next checkpoint (EUNAVAILABLE).
func (s *Service) receiptAt(ctx context.Context, id string, cp truce.Checkpoint) (*truce.Receipt, error) {
	rec, err := s.store.Statement(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.Index >= cp.Size {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Statement %s is in the log but not yet under a published checkpoint; try again in a second.", id)
	}
	proof, err := s.log.InclusionProof(ctx, rec.Index, cp.Size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of %d in %d: %w", rec.Index, cp.Size, err)
	}
	if !truce.ReaderFrom(ctx).SeesStatement(rec.Kind, rec.Signer) {
		rec.Reason = "" // a rejection's reason tells what the statement said
	}
	return &truce.Receipt{
		ID: rec.ID, Index: rec.Index, Kind: rec.Kind, Status: rec.Status, Reason: rec.Reason,
		Leaf: rec.Leaf(), Checkpoint: string(cp.Note), TreeSize: cp.Size, InclusionProof: proof,
		Witnessing: s.witnessing(cp),
	}, nil
}

// Statement implements truce.Ledger.
func (s *Service) Statement(ctx context.Context, id string) (*truce.Record, error) {
	rec, err := s.store.Statement(ctx, id)
	if err != nil {
		return nil, err
	}
	if !truce.ReaderFrom(ctx).SeesStatement(rec.Kind, rec.Signer) {
		return nil, truce.Errorf(truce.ENOTFOUND, "Statement %s is not one this reader may see; members read it with a token.", id)
	}
	return rec, nil
}

// Statements implements truce.Ledger.
func (s *Service) Statements(ctx context.Context, from uint64, limit int) ([]truce.Record, error) {
	recs, err := s.store.Statements(ctx, from, limit)
	if err != nil {
		return nil, err
	}
	who := audience{reader: truce.ReaderFrom(ctx)}
	for i := range recs {
		recs[i] = who.record(recs[i])
	}
	return recs, nil
}

// Members implements truce.Ledger.
func (s *Service) Members(ctx context.Context) ([]truce.MemberView, error) {
	members, err := s.store.Members(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	byMember := map[string][]truce.Key{}
	for _, k := range keys {
		byMember[k.Member] = append(byMember[k.Member], k)
	}
	out := make([]truce.MemberView, len(members))
	for i, m := range members {
		out[i] = truce.MemberView{MemberState: m, Keys: byMember[m.ID]}
	}
	return out, nil
}

// Authenticate implements [truce.Ledger].
// It remembers the claims of tokens whose signatures checked, so that a
// member's client, which sends the same token with every request, and a
// feed stream, which checks its token again before each write, cost one
// signature check per token rather than one per request or write. It
// checks against the copy of the members and keys that the projector
// replaces when they change, so it takes no lock the projector holds.
func (s *Service) Authenticate(ctx context.Context, token string) (truce.Reader, error) {
	auth := s.access.Load()
	claims, ok := s.tokens.get(token)
	if !ok {
		var err error
		if claims, err = auth.VerifyToken(token); err != nil {
			return truce.Public, err
		}
		s.tokens.put(token, claims)
	}
	m, err := auth.CheckClaims(claims, s.now())
	if err != nil {
		return truce.Public, err
	}
	r := truce.ReaderOf(m)
	r.Key = claims.Key
	return r, nil
}

// tokenCache holds the claims of verified tokens. It forgets them all
// when full: a token costs one more signature check then.
type tokenCache struct {
	// mu is read-locked by every feed stream before each write.
	mu     sync.RWMutex
	claims map[string]*truce.TokenClaims
}

const maxCachedTokens = 4096

func (c *tokenCache) get(token string) (*truce.TokenClaims, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	claims, ok := c.claims[token]
	return claims, ok
}

func (c *tokenCache) put(token string, claims *truce.TokenClaims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claims == nil || len(c.claims) >= maxCachedTokens {
		c.claims = map[string]*truce.TokenClaims{}
	}
	c.claims[token] = claims
}
