// Package http serves Truce's JSON API, the log's tiles and checkpoint, and
// holds the client the CLI uses.
//
// # Routes
//
//	POST /v1/statements        submit one envelope: 201 and a receipt, 200 if already logged
//	POST /v1/statements/batch  submit JSON Lines: one receipt or problem per line, in order
//	GET  /v1/statements        list in log order: ?from=INDEX&limit=N
//	GET  /v1/statements/{id}   one statement with its envelope as submitted
//	GET  /v1/receipts/{id}     a receipt against the latest checkpoint
//	GET  /v1/members           members and their keys
//	GET  /v1/whoami            who the request reads as: {"member", "role"}
//	GET  /v1/agreements        agreements, versions, signatures, in-force periods
//	GET  /v1/agreements/{id}   one agreement; ?at=TIME says what bound each party then
//	GET  /v1/categories        the taxonomy of protected objects, and the acts
//	GET  /v1/sites             GeoJSON: ?bbox=W,S,E,N&near=LAT,LON,M&category=&at=&controller=&limit=
//	GET  /v1/sites/{id}        one site with its history
//	POST /v1/sites/hashes      {"ids": [...]}: the registry's hash of each, for importers
//	GET  /v1/incidents         ?from=&to=&bbox=&party=&grade=&clause=&site=&status=&after=&limit=
//	GET  /v1/incidents/grid    incidents counted per map cell: ?zoom=Z, the filters above (statuses repeat), category
//	GET  /v1/incidents/{id}    one incident: reports, assessment, findings
//	GET  /v1/daily             the daily report: ?date=YYYY-MM-DD&agreement=&format=json|md|html
//	GET  /v1/reports/{id}      one report with its incident
//	GET  /v1/export/incidents.geojson, .csv, .jsonl   every incident the same filters select
//	GET  /v1/inbox             what awaits the token's member: replies, acknowledgements, determinations
//	GET  /v1/bulletins         members only: every bulletin with its acknowledgements
//	GET  /v1/bulletins/{id}    one bulletin
//	GET  /v1/witnesses         the charter's witness policy; who cosigned the latest checkpoint
//	GET  /v1/feed              server-sent events: ?kind=&party=&bbox=, resumable with Last-Event-ID
//	POST /v1/webhooks          a member registers {"url", "filter"}; deliveries are signed
//	GET  /v1/webhooks          the member's webhooks; GET, DELETE /v1/webhooks/{id} one of them
//	GET  /log/vkey             the log's verifier key (signed-note format)
//	GET  /log/...              checkpoint, tiles and entry bundles (C2SP tlog-tiles)
//	GET  /healthz              liveness
//	GET  /                     the web interface (Server.UI), if set
//
// Every error is an RFC 9457 problem document.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/truce-project/truce"
)

// Server is Truce's HTTP server.
type Server struct {
	// Addr is the listen address, e.g. "127.0.0.1:8080"; ":0" picks a port.
	Addr string
	// Ledger answers the API. Required.
	Ledger truce.Ledger
	// LogDir is the log's directory, served read-only at /log/. Required.
	LogDir string
	// VerifierKey is the log's note verifier key, served at /log/vkey.
	VerifierKey string
	// Logger receives request and error logs. Optional.
	Logger *slog.Logger
	// Now is the clock of status reads (an incident past its reply
	// deadline is overdue). Optional; defaults to time.Now.
	Now func() time.Time
	// UI serves the web interface at the GET patterns it names. Optional.
	UI UI
	// Feed serves GET /v1/feed. Optional: without it the route answers 501.
	Feed truce.Feed
	// Webhooks serves /v1/webhooks. Optional: without it those routes
	// answer 501.
	Webhooks truce.Webhooks
	// FeedWriteTimeout is how long a write to a feed subscriber may take
	// before it is dropped. Optional; defaults to DefaultFeedWriteTimeout.
	FeedWriteTimeout time.Duration
	// FeedKeepAlive is how often an idle feed sends a comment. Optional;
	// defaults to DefaultFeedKeepAlive.
	FeedKeepAlive time.Duration

	ln     net.Listener
	server *http.Server
	// feeds ends the feed streams when the server shuts down: they would
	// otherwise hold Shutdown until its deadline.
	feeds     context.Context
	stopFeeds context.CancelFunc
}

// Open starts listening and serving in the background.
func (s *Server) Open() error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return truce.Errorf(truce.EINVALID, "Cannot listen on %s: %v.", s.Addr, err)
	}
	s.ln = ln
	s.server = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	s.server.RegisterOnShutdown(s.stopFeeds)
	go func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("serve", "err", err)
		}
	}()
	return nil
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:8080".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops accepting requests and waits up to ctx for those in flight.
func (s *Server) Close(ctx context.Context) error {
	if s.server == nil {
		return nil
	}
	return s.server.Shutdown(ctx)
}

// Handler returns the server's routes wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.feeds == nil {
		s.feeds, s.stopFeeds = context.WithCancel(context.Background())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/statements", s.handleSubmit)
	mux.HandleFunc("POST /v1/statements/batch", s.handleBatch)
	mux.HandleFunc("GET /v1/statements", s.handleStatements)
	mux.HandleFunc("GET /v1/statements/{id}", s.handleStatement)
	mux.HandleFunc("GET /v1/receipts/{id}", s.handleReceipt)
	mux.HandleFunc("GET /v1/members", s.handleMembers)
	mux.HandleFunc("GET /v1/whoami", s.handleWhoami)
	mux.HandleFunc("GET /v1/agreements", s.handleAgreements)
	mux.HandleFunc("GET /v1/agreements/{id}", s.handleAgreement)
	mux.HandleFunc("GET /v1/categories", s.handleCategories)
	mux.HandleFunc("GET /v1/sites", s.handleSites)
	mux.HandleFunc("GET /v1/sites/{id}", s.handleSite)
	mux.HandleFunc("POST /v1/sites/hashes", s.handleSiteHashes)
	mux.HandleFunc("GET /v1/incidents", s.handleIncidents)
	mux.HandleFunc("GET /v1/incidents/grid", s.handleIncidentGrid)
	mux.HandleFunc("GET /v1/incidents/{id}", s.handleIncident)
	mux.HandleFunc("GET /v1/daily", s.handleDaily)
	mux.HandleFunc("GET /v1/reports/{id}", s.handleReport)
	mux.HandleFunc("GET /v1/export/incidents.geojson", s.handleExportGeoJSON)
	mux.HandleFunc("GET /v1/export/incidents.csv", s.handleExportCSV)
	mux.HandleFunc("GET /v1/export/incidents.jsonl", s.handleExportJSONL)
	mux.HandleFunc("GET /v1/inbox", s.handleInbox)
	mux.HandleFunc("GET /v1/bulletins", s.handleBulletins)
	mux.HandleFunc("GET /v1/bulletins/{id}", s.handleBulletin)
	mux.HandleFunc("GET /v1/witnesses", s.handleWitnesses)
	mux.HandleFunc("GET /v1/feed", s.handleFeed)
	mux.HandleFunc("POST /v1/webhooks", s.handleCreateWebhook)
	mux.HandleFunc("GET /v1/webhooks", s.handleWebhooks)
	mux.HandleFunc("GET /v1/webhooks/{id}", s.handleWebhook)
	mux.HandleFunc("DELETE /v1/webhooks/{id}", s.handleDeleteWebhook)
	mux.HandleFunc("GET /log/vkey", s.handleVerifierKey)
	mux.Handle("GET /log/", http.StripPrefix("/log/", logFiles(s.LogDir, s.notFound)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if s.UI != nil {
		for _, p := range s.UI.Patterns() {
			mux.Handle("GET "+p, s.UI)
		}
	}
	return s.logRequests(s.authenticate(problemsForMux(mux, s.Logger)))
}

// UI is a web interface: a handler and the path patterns it serves, such
// as "/{$}" and "/ui/" (package web's Handler). Every other path stays
// the API's, with its problem documents.
type UI interface {
	http.Handler
	Patterns() []string
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, s.Logger, truce.Errorf(truce.ENOTFOUND, "No log file at %s.", r.URL.Path))
}

// problemsForMux turns the mux's own 404 and 405 answers into problem
// documents, so that every error a client sees has the same form.
func problemsForMux(mux *http.ServeMux, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // it, not h, sets the path values
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		err := truce.Errorf(truce.ENOTFOUND, "No route for %s %s.", r.Method, r.URL.Path)
		if rec.status == http.StatusMethodNotAllowed {
			writeProblem(w, Problem{Type: "/problems/method_not_allowed", Title: "Method Not Allowed", Status: 405,
				Detail: "Method " + r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + rec.header.Get("Allow") + "."})
			return
		}
		writeError(w, r, logger, err)
	})
}

// statusRecorder captures the status and headers of the mux's fallback
// handlers, whose plain-text bodies are discarded.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }

// logRequests logs each request at debug level: at thousands of
// statements a second, info-level request logs would cost more than the
// requests.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.Logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
