package importer

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/truce-project/truce"
)

// clientRef returns the client_ref of a row's own id, or an error naming
// the line if the id is empty.
func clientRef(where, col, prefix, id string) (string, error) {
	if id == "" {
		return "", invalid(where, "%s is empty.", col)
	}
	return prefix + id, nil
}

// day returns the start of the day a date such as "2022-02-24" names in
// zone; a time after the date ("2022-02-24 00:00:00.000", as in UCDP's
// own CSV) is allowed and ignored.
func day(where, col, s string, zone *time.Location) (time.Time, error) {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		if _, err := time.Parse("15:04:05", strings.TrimSuffix(clockPart(s[11:]), "Z")); err != nil {
			return time.Time{}, invalid(where, "%s %q is not a date such as 2022-02-24.", col, clean(s, 40))
		}
		s = s[:10]
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, invalid(where, "%s %q is not a date such as 2022-02-24.", col, clean(s, 40))
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone), nil
}

// clockPart returns the hours, minutes and seconds of a time of day,
// without a fraction of a second.
func clockPart(s string) string {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i]
	}
	return s
}

// days returns the time from the start of first to the last second of
// last, in UTC.
func days(first, last time.Time) (time.Time, time.Time) {
	end := time.Date(last.Year(), last.Month(), last.Day(), 23, 59, 59, 0, last.Location())
	return first.UTC(), end.UTC()
}

// dayWhen returns the When of the days from first to last: precision day
// for one day, else range.
func dayWhen(first, last time.Time) truce.When {
	start, end := days(first, last)
	p := "range"
	if first.Equal(last) {
		p = "day"
	}
	return truce.When{Start: start, End: end, Precision: p}
}

// code parses a precision code from 1 to max.
func code(where, col, s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, invalid(where, "%s %q is not a code from 1 to %d.", col, clean(s, 40), max)
	}
	return n, nil
}

// count parses a number of people: nil if s is empty.
func count(where, col, s string) (*int, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1000000 {
		return nil, invalid(where, "%s %q is not a count from 0 to 1000000.", col, clean(s, 40))
	}
	return &n, nil
}

// place joins the non-empty parts of a place name, each once.
func place(parts ...string) string {
	var out []string
	for _, p := range parts {
		p = clean(p, 300)
		if p == "" {
			continue
		}
		dup := false
		for _, q := range out {
			dup = dup || strings.EqualFold(p, q)
		}
		if !dup {
			out = append(out, p)
		}
	}
	return clean(strings.Join(out, ", "), 300)
}

// clean makes free text from a source fit a report's field of max bytes:
// invalid UTF-8 and control characters other than newline and tab become
// spaces, surrounding space is trimmed, and longer text is cut at a
// character boundary, ending with "…".
func clean(s string, max int) string {
	s = strings.Map(func(c rune) rune {
		if c == utf8.RuneError || unicode.IsControl(c) && c != '\n' && c != '\t' {
			return ' '
		}
		return c
	}, strings.ToValidUTF8(s, " "))
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + ellipsis
}

// phrases reports whether norm, text made by words, holds any of the
// phrases as whole words. Each phrase is lower case, its words separated
// by single spaces.
func phrases(norm string, list ...string) bool {
	for _, p := range list {
		if strings.Contains(norm, " "+p+" ") {
			return true
		}
	}
	return false
}

// words returns text in lower case with every run of characters other
// than letters and digits replaced by one space, and a space at each end,
// for phrases.
func words(text string) string {
	var sb strings.Builder
	sb.WriteByte(' ')
	space := true
	for _, c := range strings.ToLower(text) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			sb.WriteRune(c)
			space = false
		} else if !space {
			sb.WriteByte(' ')
			space = true
		}
	}
	if !space {
		sb.WriteByte(' ')
	}
	return sb.String()
}
