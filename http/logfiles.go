package http

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// logFiles serves the log's checkpoint, tiles and entry bundles from dir.
// Full tiles and bundles never change, so they are cached for good; the
// checkpoint and partial tiles (".p/" in the path) change and are not.
// Tessera's private state directory is not served.
func logFiles(dir string, notFound http.HandlerFunc) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean("/" + r.URL.Path)
		if strings.HasPrefix(p, "/.") || strings.Contains(p, "/.") || p == "/" {
			notFound(w, r)
			return
		}
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil || fi.IsDir() {
			notFound(w, r)
			return
		}
		switch {
		case p == "/checkpoint":
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		case strings.Contains(p, ".p/"):
			w.Header().Set("Cache-Control", "public, max-age=60")
			w.Header().Set("Content-Type", "application/octet-stream")
		default:
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		files.ServeHTTP(w, r)
	})
}

func (s *Server) handleVerifierKey(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(s.VerifierKey + "\n"))
}
