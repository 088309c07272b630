package truce

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of time written as a Go duration ("72h", "90m") or
// in whole days ("30d"), as agreements state them.
type Duration time.Duration

// ParseDuration parses "30d" or a Go duration string.
func ParseDuration(s string) (Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 3650 {
			return 0, Errorf(EINVALID, "Duration %q: days must be a whole number from 0 to 3650.", s)
		}
		return Duration(time.Duration(n) * 24 * time.Hour), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, Errorf(EINVALID, "Duration %q is not like \"30d\", \"72h\" or \"90m\".", s)
	}
	return Duration(d), nil
}

// String writes whole days as "Nd" and anything else as a Go duration.
func (d Duration) String() string {
	td := time.Duration(d)
	if td != 0 && td%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(td/(24*time.Hour)), 10) + "d"
	}
	return td.String()
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "A duration is a string like \"30d\" or \"72h\".")
	}
	v, err := ParseDuration(s)
	*d = v
	return err
}
