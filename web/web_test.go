package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func TestPages(t *testing.T) {
	h, err := Handler(Config{Name: "Test <deployment>"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, script string }{
		{"/", "map"}, {"/incidents/abc", "incident"}, {"/agreements", "agreements"}, {"/daily", "daily"},
		{"/checkpoints", "log"}, {"/signin", "signin"}, {"/report", "report"},
	} {
		resp := get(t, h, p.path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `src="/ui/js/`+p.script+`.js"`) {
			t.Errorf("GET %s: %d, without its script:\n%.300s", p.path, resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", p.path, csp)
		}
		if !strings.Contains(string(body), "Test &lt;deployment&gt;") {
			t.Errorf("GET %s: the deployment's name is not escaped", p.path)
		}
	}
	for _, path := range []string{"/nope", "/ui/nope.js", "/incidents/"} {
		if resp := get(t, h, path); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestAssets(t *testing.T) {
	h, err := Handler(Config{TileURL: "https://{s}.tiles.example.org/{z}/{x}/{y}.png", TileAttribution: "© Example"})
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, h, "/ui/vendor/leaflet-1.9.4/leaflet.js", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("leaflet.js: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(zr)
	if !bytes.Contains(js, []byte(`"1.9.4"`)) {
		t.Errorf("leaflet.js is not Leaflet 1.9.4")
	}
	if again := get(t, h, "/ui/js/map.js", "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != 200 {
		t.Errorf("another file's ETag: %d", again.StatusCode)
	}
	first := get(t, h, "/ui/js/map.js")
	if again := get(t, h, "/ui/js/map.js", "If-None-Match", first.Header.Get("ETag")); again.StatusCode != 304 {
		t.Errorf("map.js with its own ETag: %d, want 304", again.StatusCode)
	}
	if ct := first.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("map.js: Content-Type %q", ct)
	}
	conf, _ := io.ReadAll(get(t, h, "/ui/config.json").Body)
	if !strings.Contains(string(conf), `"tile_url":"https://{s}.tiles.example.org/{z}/{x}/{y}.png"`) {
		t.Errorf("config.json: %s", conf)
	}
	if csp := get(t, h, "/").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: https://*.tiles.example.org") {
		t.Errorf("the tile server is not in the page's img-src: %s", csp)
	}
	for _, f := range []string{"ATTRIBUTION.txt", "vendor/leaflet-1.9.4/LICENSE", "vendor/leaflet.markercluster-1.5.3/MIT-LICENCE.txt", "data/basemap.json"} {
		if resp := get(t, h, "/ui/"+f); resp.StatusCode != 200 {
			t.Errorf("GET /ui/%s: %d", f, resp.StatusCode)
		}
	}
}

func TestTileURLNeedsAttribution(t *testing.T) {
	if _, err := Handler(Config{TileURL: "https://tiles.example.org/{z}/{x}/{y}.png"}); err == nil {
		t.Error("a tile server without its attribution is accepted")
	}
}
