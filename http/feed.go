package http

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// Feed timing defaults.
const (
	// DefaultFeedWriteTimeout is how long one write to a feed subscriber
	// may take before the server drops it.
	DefaultFeedWriteTimeout = 30 * time.Second
	// DefaultFeedKeepAlive is how often an idle feed sends a comment line,
	// so that proxies and clients see the connection alive.
	DefaultFeedKeepAlive = 15 * time.Second
)

// feedBatch is the most events one write carries.
const feedBatch = 256

// feedFilter parses GET /v1/feed parameters: kind (repeated or
// comma-separated), party and bbox.
func feedFilter(q url.Values) (truce.FeedFilter, error) {
	var f truce.FeedFilter
	for _, k := range q["kind"] {
		for part := range strings.SplitSeq(k, ",") {
			if part = strings.TrimSpace(part); part != "" {
				f.Kinds = append(f.Kinds, part)
			}
		}
	}
	f.Party = q.Get("party")
	if b := q.Get("bbox"); b != "" {
		v, err := floats("bbox", b, 4)
		if err != nil {
			return f, err
		}
		f.BBox = &[4]float64{v[0], v[1], v[2], v[3]}
	}
	return f, f.Check()
}

// lastEventID returns the id the client resumes after: the Last-Event-ID
// header, which EventSource sends when it reconnects, or the
// last_event_id parameter, for a first connection.
func lastEventID(r *http.Request) (*truce.EventID, error) {
	s := r.Header.Get("Last-Event-ID")
	if s == "" {
		s = r.URL.Query().Get("last_event_id")
	}
	if s == "" {
		return nil, nil
	}
	id, err := truce.ParseEventID(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// feedAccess is who a feed stream was opened for: the token it came with
// ("" for the public) and the reader that token proved.
type feedAccess struct {
	token  string
	reader truce.Reader
}

// recheck returns nil if the stream's token still proves the reader it
// opened with, and otherwise EUNAUTHORIZED saying why: the token expired,
// its key was revoked, its member left the charter, or the charter gave
// the member another role, which the stream's events were chosen for. A
// public stream holds for ever. Ledger.Authenticate remembers verified
// tokens, so this costs a look at the claims.
func (s *Server) recheck(ctx context.Context, a feedAccess) error {
	if a.token == "" {
		return nil
	}
	r, err := s.Ledger.Authenticate(ctx, a.token)
	switch {
	case err != nil:
		return err
	case r != a.reader:
		return truce.Errorf(truce.EUNAUTHORIZED, "The charter in force makes %s a %s, not the %s this stream was opened for; reconnect to read as one.", r.Member, r.Role, a.reader.Role)
	}
	return nil
}

// handleFeed streams the feed as server-sent events. A subscriber that
// does not take a write within the write timeout is dropped; it resumes
// with Last-Event-ID. A stream opened with a token is checked again before
// each write, events or keep-alive, and ended with an end event once the
// token no longer holds (see recheck).
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	if s.Feed == nil {
		writeError(w, r, s.Logger, truce.Errorf(truce.ENOTIMPLEMENTED, "This server has no feed."))
		return
	}
	f, err := feedFilter(r.URL.Query())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	after, err := lastEventID(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	token, err := bearerToken(r) // the authenticate middleware checked it
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	access := feedAccess{token: token, reader: truce.ReaderFrom(r.Context())}
	sub, err := s.Feed.Subscribe(r.Context(), f, after)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	defer sub.Close()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.feeds, cancel)()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 16<<10)
	bw.WriteString(": truce feed\nretry: 2000\n\n")
	if s.flushFeed(rc, bw) != nil {
		return
	}
	for {
		err := s.streamOnce(ctx, sub, access, rc, bw)
		var end *endError
		switch {
		case errors.As(err, &end):
			if problemFor(end.err).Status >= 500 {
				s.Logger.Error("feed token check failed", "remote", r.RemoteAddr, "err", end.err)
			}
			s.Logger.Debug("feed stream ended", "remote", r.RemoteAddr, "member", access.reader.Member, "reason", end.err)
			return
		case err != nil:
			if ctx.Err() == nil {
				s.Logger.Debug("feed subscriber dropped", "remote", r.RemoteAddr, "err", err)
			}
			return
		}
	}
}

// endError is the reason streamOnce ended the stream with an end event.
type endError struct{ err error }

func (e *endError) Error() string { return "stream ended: " + e.err.Error() }

// streamOnce waits for events, up to the keep-alive interval, checks that
// the stream's token still holds, and writes them, or a comment line if
// none came. If the token no longer holds, it writes the end event instead
// and returns an *endError.
func (s *Server) streamOnce(ctx context.Context, sub truce.Subscription, access feedAccess, rc *http.ResponseController, bw *bufio.Writer) error {
	keepAlive := s.FeedKeepAlive
	if keepAlive <= 0 {
		keepAlive = DefaultFeedKeepAlive
	}
	wait, cancel := context.WithTimeout(ctx, keepAlive)
	events, err := sub.Next(wait, feedBatch)
	cancel()
	idle := errors.Is(err, context.DeadlineExceeded)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && !idle:
		return err
	}
	if err := s.recheck(ctx, access); err != nil {
		writeEnd(bw, problemFor(err))
		if ferr := s.flushFeed(rc, bw); ferr != nil {
			return ferr
		}
		return &endError{err}
	}
	if idle {
		bw.WriteString(": keep-alive\n\n")
	}
	for _, e := range events {
		writeEvent(bw, e)
	}
	return s.flushFeed(rc, bw)
}

// writeEnd writes the event that ends a stream: "end", with a problem
// document that says why, and no id, so that a client resumes after the
// last event it got.
func writeEnd(bw *bufio.Writer, p Problem) {
	data, _ := json.Marshal(p)
	bw.WriteString("event: end\ndata: ")
	bw.Write(data)
	bw.WriteString("\n\n")
}

// writeEvent writes one event in the text/event-stream format. Its data
// is compact JSON, so one data line.
func writeEvent(bw *bufio.Writer, e truce.Event) {
	bw.WriteString("id: ")
	bw.WriteString(e.ID.String())
	bw.WriteString("\nevent: ")
	bw.WriteString(e.Type)
	bw.WriteString("\ndata: ")
	bw.Write(e.Data)
	bw.WriteString("\n\n")
}

// flushFeed sends what bw holds within the write timeout.
func (s *Server) flushFeed(rc *http.ResponseController, bw *bufio.Writer) error {
	timeout := s.FeedWriteTimeout
	if timeout <= 0 {
		timeout = DefaultFeedWriteTimeout
	}
	if err := rc.SetWriteDeadline(time.Now().Add(timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return rc.Flush()
}
