package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"

	"github.com/truce-project/truce"
)

func (m *Main) runKey(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "new" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			m.flagSet("key", "key new --member ID --out FILE [--log ORIGIN]", "Manages keys.").Usage()
			return nil
		}
		return usagef("key: want \"truce key new\"")
	}
	return m.runKeyNew(ctx, args[1:])
}

func (m *Main) runKeyNew(_ context.Context, args []string) error {
	fs := m.flagSet("key new", "key new --member ID --out FILE [--log ORIGIN]",
		"Creates an ed25519 key for a member and writes it to FILE, readable by its owner only.\n"+
			"Prints the body of a key.add statement that registers it; sign that body with one\n"+
			"of the member's registered keys, and cosign it with the new key to prove that the\n"+
			"member holds it:\n\n"+
			"  truce key new --member party-a --out new.key > add.json\n"+
			"  truce sign --key keys/party-a.key --kind key.add --cosign new.key add.json > st.json\n"+
			"  truce submit --server URL st.json")
	member := fs.String("member", "", "the member the key belongs to (required)")
	out := fs.String("out", "", "file to write the key to; must not exist (required)")
	origin := fs.String("log", "", "the log origin the key will sign for, recorded in the key file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *member == "" || *out == "" {
		return usagef("key new: --member and --out are required")
	}
	if err := truce.ValidateMemberID(*member); err != nil {
		return err
	}
	if *origin != "" {
		if err := truce.ValidateOrigin(*origin); err != nil {
			return err
		}
	}
	if _, err := os.Stat(*out); !errors.Is(err, os.ErrNotExist) {
		return truce.Errorf(truce.ECONFLICT, "%s already exists; choose another --out.", *out)
	}
	s, err := truce.GenerateSigner(*member, rand.Reader)
	if err != nil {
		return err
	}
	s.Log = *origin
	if err := writeFileAtomic(*out, truce.MarshalSigner(s), 0o600); err != nil {
		return err
	}
	body, _ := json.MarshalIndent(truce.KeyAdd{Key: truce.NewPublicKey(s.Public())}, "", "  ")
	_, err = m.Stdout.Write(append(body, '\n'))
	return err
}
