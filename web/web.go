// Package web serves Truce's web interface: a map of protected sites and
// incidents, each incident with its reports, assessment and inclusion
// proofs (checked in the browser), the agreements on a timeline with the
// difference between versions, the daily report, the log's checkpoints,
// sign-in with a member's token, and a report form.
//
// Everything is embedded in the binary: the pages, the scripts, the
// vendored libraries (Leaflet and Leaflet.markercluster, with their
// licences, in static/vendor/) and an offline basemap drawn from boundary
// files shipped with the project (static/data/basemap.json, made by
// gen_basemap.go). The pages read the JSON API only, with the member's
// token when one is signed in, so they show exactly what the API would
// show the same reader.
//
// # Pages
//
//	/                   the map
//	/incidents/{id}     one incident, with in-browser proof checks
//	/agreements         agreements: versions, timeline, differences
//	/daily?date=D       the daily report
//	/checkpoints        the log: checkpoint, signatures, size over time
//	/signin             sign in with a key file or a token
//	/report             submit a report, signed in the browser
//	/ui/...             the scripts, styles, libraries and basemap
//	/ui/config.json     the Config the scripts read
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static templates
var files embed.FS

// Config is what a deployment may set for its web interface, in the
// "web" object of its truce.json.
type Config struct {
	// Name is the deployment's name, shown in page titles. Optional.
	Name string `json:"name,omitempty"`
	// TileURL is an XYZ tile server URL template, such as
	// "https://tiles.example.org/{z}/{x}/{y}.png", drawn under the
	// boundaries. Optional: by default the map draws only the boundaries
	// built into the binary, and needs no network.
	TileURL string `json:"tile_url,omitempty"`
	// TileAttribution credits the tile server on the map. Required with
	// TileURL, as tile licences require.
	TileAttribution string `json:"tile_attribution,omitempty"`
}

// pages maps each page's route to its template and script.
var pages = []struct{ route, name, title string }{
	{"GET /{$}", "map", "Map"},
	{"GET /incidents/{id}", "incident", "Incident"},
	{"GET /agreements", "agreements", "Agreements"},
	{"GET /daily", "daily", "Daily report"},
	{"GET /checkpoints", "log", "Log"},
	{"GET /signin", "signin", "Sign in"},
	{"GET /report", "report", "Report an incident"},
}

// UI is the web interface's handler.
type UI struct {
	mux *http.ServeMux
}

// Patterns returns the GET path patterns the interface serves, for the
// server's route table.
func (u *UI) Patterns() []string {
	out := []string{"/ui/"}
	for _, p := range pages {
		out = append(out, strings.TrimPrefix(p.route, "GET "))
	}
	return out
}

func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.mux.ServeHTTP(w, r) }

// Handler returns the web interface. Its paths are those of the package
// comment; under them, any other is a 404 page.
func Handler(cfg Config) (*UI, error) {
	if cfg.TileURL != "" && cfg.TileAttribution == "" {
		return nil, fmt.Errorf("web: tile_url %q needs a tile_attribution: the tile server's licence requires one", cfg.TileURL)
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	conf, _ := json.Marshal(cfg)
	assets["config.json"] = newAsset("config.json", conf)
	layout, err := template.ParseFS(files, "templates/layout.html", "templates/leaflet.html")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, p := range pages {
		t, err := template.Must(layout.Clone()).ParseFS(files, "templates/"+p.name+".html")
		if err != nil {
			return nil, err
		}
		page, err := render(t, pageData{Name: cfg.Name, Page: p.name, Title: p.title})
		if err != nil {
			return nil, err
		}
		mux.Handle(p.route, servePage(page, cfg))
	}
	notFound, err := render(template.Must(layout.Clone()), pageData{Name: cfg.Name, Page: "notfound", Title: "Not found"})
	if err != nil {
		return nil, err
	}
	mux.HandleFunc("GET /ui/{path...}", func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.PathValue("path")]
		if !ok {
			writePage(w, http.StatusNotFound, notFound, cfg)
			return
		}
		a.serve(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, http.StatusNotFound, notFound, cfg)
	})
	return &UI{mux: mux}, nil
}

type pageData struct {
	Name, Page, Title string
}

func render(t *template.Template, d pageData) ([]byte, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", d); err != nil {
		return nil, fmt.Errorf("web: page %s: %w", d.Page, err)
	}
	return b.Bytes(), nil
}

func servePage(page []byte, cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writePage(w, http.StatusOK, page, cfg)
	})
}

// writePage writes a page with a Content-Security-Policy that lets it run
// only the scripts of /ui/ and reach only this server (and the tile
// server): a reporter's text that got into the page as markup still could
// not run.
func writePage(w http.ResponseWriter, status int, page []byte, cfg Config) {
	img := "'self' data: blob:"
	if cfg.TileURL != "" {
		img += " " + origin(cfg.TileURL)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src "+img+
		"; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(page)
}

// origin returns the scheme and host of a tile URL template.
func origin(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return ""
	}
	rest := u[i+3:]
	if j := strings.IndexAny(rest, "/?"); j >= 0 {
		rest = rest[:j]
	}
	return u[:i+3] + strings.ReplaceAll(rest, "{s}", "*")
}

// asset is an embedded file, with its gzip form when that is smaller.
type asset struct {
	body, gz    []byte
	ctype, etag string
	immutable   bool
}

func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: mime.TypeByExtension(path.Ext(name)),
		immutable: strings.HasPrefix(name, "vendor/")}
	if a.ctype == "" {
		a.ctype = "application/octet-stream"
	}
	if strings.HasSuffix(name, ".js") {
		a.ctype = "text/javascript; charset=utf-8"
	}
	if len(body) > 1024 && !strings.HasSuffix(name, ".png") {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if b.Len() < len(body) {
			a.gz = b.Bytes()
		}
	}
	return a
}

func loadAssets() (map[string]*asset, error) {
	assets := map[string]*asset{}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		assets[name] = newAsset(name, body)
		return nil
	})
	return assets, err
}

func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=86400") // the path names the version
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
