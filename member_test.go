package truce_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

func TestCharterValidate(t *testing.T) {
	f := newFixture(t)
	good := f.charter()
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(fixture charter) = %v", err)
	}
	badKey := truce.NewPublicKey(f.ukraine.Public())
	badKey.ID = f.russia.ID()
	tooMany := member("ukraine", truce.RoleParty, "Ukraine", f.ukraine, f.ukraine2, f.ukraine3, f.ukraine4, f.russia, f.us, f.smm, f.osint, f.icrc)
	for _, tc := range []struct {
		name   string
		change func(c *truce.Charter)
		msg    string
	}{
		{"no name", func(c *truce.Charter) { c.Name = " " }, "Charter name is required"},
		{"long name", func(c *truce.Charter) { c.Name = strings.Repeat("x", 201) }, "longer than 200 bytes"},
		{"control character in name", func(c *truce.Charter) { c.Name = "Moratorium\x1b[31m" }, "control character"},
		{"no members", func(c *truce.Charter) { c.Members = nil }, "1 to 64 members"},
		{"no party", func(c *truce.Charter) { c.Members = c.Members[2:] }, "at least one party"},
		{"bad member id", func(c *truce.Charter) { c.Members[0].ID = "-ukraine" }, "Member id"},
		{"long member id", func(c *truce.Charter) { c.Members[0].ID = strings.Repeat("u", 64) }, "Member id"},
		{"unknown role", func(c *truce.Charter) { c.Members[0].Role = "observer" }, `role "observer"`},
		{"member without name", func(c *truce.Charter) { c.Members[0].Name = "" }, "name is required"},
		{"member without keys", func(c *truce.Charter) { c.Members[0].Keys = nil }, "1 to 8 keys"},
		{"member with nine keys", func(c *truce.Charter) { c.Members[0] = tooMany }, "1 to 8 keys"},
		{"key with a wrong id", func(c *truce.Charter) { c.Members[0].Keys[0] = badKey }, "does not match"},
		{"member named twice", func(c *truce.Charter) { c.Members[1].ID = "ukraine" }, `"ukraine" is named twice`},
		{"key listed twice", func(c *truce.Charter) { c.Members[1].Keys = c.Members[0].Keys }, "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := f.charter()
			tc.change(c)
			err := c.Validate()
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
			checkMessage(t, err)
			if !strings.Contains(truce.ErrorMessage(err), tc.msg) {
				t.Errorf("Validate = %q, want a message containing %q", truce.ErrorMessage(err), tc.msg)
			}
		})
	}
	if m := good.Member("russia"); m == nil || m.Role != truce.RoleParty {
		t.Errorf("Member(russia) = %+v", m)
	}
	if m := good.Member("stranger"); m != nil {
		t.Errorf("Member(stranger) = %+v", m)
	}
}

func TestValidateOrigin(t *testing.T) {
	for origin, ok := range map[string]bool{
		origin: true, "example.org/log": true, "truce.example/миссия": true,
		"": false, "a b": false, "a+b": false, "a\tb": false, "a\x00b": false, strings.Repeat("o", 256): false,
	} {
		if err := truce.ValidateOrigin(origin); (err == nil) != ok {
			t.Errorf("ValidateOrigin(%q) = %v", origin, err)
		}
	}
}

func TestErrorCode(t *testing.T) {
	coded := truce.Errorf(truce.ENOTFOUND, "Site %q not found.", "zaporizhzhia-npp")
	wrapped := fmt.Errorf("read site: %w", coded)
	plain := errors.New("disk on fire")
	for _, tc := range []struct {
		err       error
		code, msg string
	}{
		{nil, "", ""},
		{coded, truce.ENOTFOUND, `Site "zaporizhzhia-npp" not found.`},
		{wrapped, truce.ENOTFOUND, `Site "zaporizhzhia-npp" not found.`},
		{plain, truce.EINTERNAL, "Internal error."},
	} {
		if got := truce.ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := truce.ErrorMessage(tc.err); got != tc.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.msg)
		}
	}
	if got := coded.Error(); !strings.Contains(got, truce.ENOTFOUND) || !strings.Contains(got, "zaporizhzhia-npp") {
		t.Errorf("Error() = %q", got)
	}
}
