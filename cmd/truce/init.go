package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/tlog"
)

// memberFlag collects repeated --member ID:ROLE:NAME flags.
type memberFlag []truce.Member

func (f *memberFlag) String() string { return "" }

func (f *memberFlag) Set(v string) error {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 {
		return fmt.Errorf("want ID:ROLE:NAME, e.g. party-a:party:Party A")
	}
	*f = append(*f, truce.Member{ID: parts[0], Role: truce.Role(parts[1]), Name: parts[2]})
	return nil
}

var defaultMembers = []truce.Member{
	{ID: "party-a", Role: truce.RoleParty, Name: "Party A"},
	{ID: "party-b", Role: truce.RoleParty, Name: "Party B"},
	{ID: "mediator", Role: truce.RoleMediator, Name: "Mediator"},
	{ID: "monitor", Role: truce.RoleMonitor, Name: "Monitor"},
	{ID: "operator", Role: truce.RoleOperator, Name: "Log operator"},
}

// demoMembers are the members of the March 2025 energy moratorium.
var demoMembers = []truce.Member{
	{ID: "ua", Role: truce.RoleParty, Name: "Ukraine"},
	{ID: "ru", Role: truce.RoleParty, Name: "Russia"},
	{ID: "us", Role: truce.RoleMediator, Name: "United States"},
	{ID: "monitor", Role: truce.RoleMonitor, Name: "Monitoring mission"},
	{ID: "operator", Role: truce.RoleOperator, Name: "Log operator"},
}

const demoName = "Energy infrastructure moratorium, March 2025 (demo)"

type initOptions struct {
	dir, name, origin string
	members           []truce.Member
	// demo adds the demo's agreements and registry after the charter.
	demo bool
	// witnessQuorum is the charter's witness quorum: 0 for a majority of
	// the witnesses, -1 for no witnesses.
	witnessQuorum int
}

func (m *Main) runInit(ctx context.Context, args []string) error {
	fs := m.flagSet("init", "init --dir DIR [--demo] [--name NAME] [--origin ORIGIN] [--member ID:ROLE:NAME ...]",
		"Creates a deployment in DIR: an ed25519 key for each member in DIR/keys/MEMBER.key,\n"+
			"the log's signing key in DIR/log.key, and the log, whose first entry is the charter\n"+
			"naming the members. Keep the key files secret: each belongs to its member.\n"+
			"Without --member, the members are two parties, a mediator, a monitor, and the\n"+
			"operator, whose key (keys/operator.key) the service uses to sign state roots.\n"+
			"Each party and the mediator also gets a witness key, keys/MEMBER.witness-key, and the\n"+
			"charter names those witnesses and how many must cosign each checkpoint (see\n"+
			"\"truce witness -h\"); --no-witnesses leaves them out.")
	var opt initOptions
	var members memberFlag
	demo := fs.Bool("demo", false, "create the demo deployment of the March 2025 energy moratorium (Ukraine, Russia, United States, a monitor)")
	fs.StringVar(&opt.dir, "dir", "", "deployment directory to create (required)")
	fs.StringVar(&opt.name, "name", "Truce deployment", "the deployment's name, for people")
	fs.StringVar(&opt.origin, "origin", "", "the log's origin (default truce.localhost/BASENAME-OF-DIR)")
	fs.Var(&members, "member", "a member as ID:ROLE:NAME, role one of party, mediator, monitor, source (repeatable)")
	fs.IntVar(&opt.witnessQuorum, "witness-quorum", 0, "how many witnesses must cosign a checkpoint (default: a majority of them)")
	noWitnesses := fs.Bool("no-witnesses", false, "name no witnesses in the charter")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *noWitnesses {
		opt.witnessQuorum = -1
	}
	if opt.dir == "" {
		return usagef("init: --dir is required")
	}
	opt.members = members
	if *demo {
		if len(members) > 0 {
			return usagef("init: --demo sets the members; do not combine it with --member")
		}
		opt.members, opt.name, opt.demo = cloneMembers(demoMembers), demoName, true
	}
	if len(opt.members) == 0 {
		opt.members = cloneMembers(defaultMembers)
	}
	d, err := m.initDeployment(ctx, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Created deployment %q in %s\n  log origin: %s\n  log key:    %s\n", d.Name, opt.dir, d.Origin, d.VerifierKey)
	for _, mem := range opt.members {
		fmt.Fprintf(m.Stdout, "  member %-10s %-9s %s\n", mem.ID, mem.Role, filepath.Join(opt.dir, "keys", mem.ID+".key"))
	}
	m.printWitnesses(d.witnesses, opt.dir)
	fmt.Fprintf(m.Stdout, "Run it with: truce serve --dir %s\n", opt.dir)
	return nil
}

// initDeployment creates the deployment, removing what it made if any
// step fails, so that a failed init can simply be run again.
func (m *Main) initDeployment(ctx context.Context, opt initOptions) (_ *Deployment, err error) {
	d := &Deployment{Name: opt.name, Origin: opt.origin, LogDir: "log", Database: "truce.db", LogKeyFile: "log.key", dir: opt.dir}
	if d.Origin == "" {
		d.Origin = defaultOrigin(opt.dir)
	}
	if err := truce.ValidateOrigin(d.Origin); err != nil {
		return nil, err
	}
	if err := checkFresh(d); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			for _, p := range []string{d.path("keys"), d.path("witnesses"), d.path(d.LogDir), d.path(d.LogKeyFile), d.path(d.Database), d.vaultPath()} {
				os.RemoveAll(p)
			}
		}
	}()
	signers, err := writeMemberKeys(d, opt.members)
	if err != nil {
		return nil, err
	}
	skey, vkey, err := tlog.GenerateKey(d.Origin)
	if err != nil {
		return nil, err
	}
	d.VerifierKey = vkey
	if err := writeFileAtomic(d.path(d.LogKeyFile), []byte(skey+"\n"), 0o600); err != nil {
		return nil, err
	}
	policy, err := writeWitnessKeys(d, opt.members, opt.witnessQuorum)
	if err != nil {
		return nil, err
	}
	d.witnesses = policy
	charter, err := m.signCharter(d, opt.members, signers, opt.demo, policy)
	if err != nil {
		return nil, err
	}
	statements := []*truce.Statement{charter}
	if opt.demo {
		more, err := demoStatements(signers, d.Origin)
		if err != nil {
			return nil, err
		}
		process, err := demoProcessStatements(signers, d.Origin, charter, more)
		if err != nil {
			return nil, err
		}
		statements = append(append(statements, more...), process...)
	}
	if err := appendAll(ctx, d, skey, statements, opt.demo); err != nil {
		return nil, err
	}
	return d, d.save()
}

// checkFresh refuses a directory that already holds a deployment or
// parts of one.
func checkFresh(d *Deployment) error {
	for _, p := range []string{d.path(deploymentFile), d.path("keys"), d.path(d.LogDir), d.path(d.LogKeyFile), d.path(d.Database), d.vaultPath()} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			return truce.Errorf(truce.ECONFLICT, "%s already exists; init creates a new deployment in a directory without one.", p)
		}
	}
	return nil
}

func defaultOrigin(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	base := strings.Map(func(r rune) rune {
		if r == ' ' || r == '+' || r < 0x21 || r > 0x7e {
			return '-'
		}
		return r
	}, filepath.Base(abs))
	return "truce.localhost/" + base
}

// writeMemberKeys makes a key for each member and writes it to
// keys/MEMBER.key, readable by its owner only.
func writeMemberKeys(d *Deployment, members []truce.Member) (map[string]*truce.Signer, error) {
	if err := os.MkdirAll(d.path("keys"), 0o700); err != nil {
		return nil, err
	}
	signers := map[string]*truce.Signer{}
	for i := range members {
		mem := &members[i]
		if err := truce.ValidateMemberID(mem.ID); err != nil {
			return nil, err
		}
		s, err := truce.GenerateSigner(mem.ID, rand.Reader)
		if err != nil {
			return nil, err
		}
		s.Log = d.Origin
		mem.Keys = []truce.PublicKey{truce.NewPublicKey(s.Public())}
		if err := writeFileAtomic(d.path(filepath.Join("keys", mem.ID+".key")), truce.MarshalSigner(s), 0o600); err != nil {
			return nil, err
		}
		signers[mem.ID] = s
	}
	return signers, nil
}

// signCharter signs the charter with the mediator's key, or the first
// member's if there is no mediator.
func (m *Main) signCharter(d *Deployment, members []truce.Member, signers map[string]*truce.Signer, demo bool, witnesses *truce.WitnessPolicy) (*truce.Statement, error) {
	by := members[0].ID
	for _, mem := range members {
		if mem.Role == truce.RoleMediator {
			by = mem.ID
			break
		}
	}
	c := &truce.Charter{Name: d.Name, Members: members, Witnesses: witnesses}
	if demo {
		// The demo's findings take the mediator and the monitor together.
		c.Determiners = &truce.DeterminerPolicy{Requires: []truce.RoleCount{{Role: truce.RoleMediator, Count: 1}, {Role: truce.RoleMonitor, Count: 1}}}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return truce.Sign(signers[by], d.Origin, truce.KindCharter, m.Now(), c)
}

// appendAll puts the first statements on the new log, in order, each
// checked against the state the ones before it made: the envelopes of the
// sealed ones in the vault first, then every leaf on the log. With
// witnesses, the charter's witnesses whose keys init wrote run meanwhile
// (as "truce serve --demo" runs them), so that the log's first checkpoint
// is cosigned.
func appendAll(ctx context.Context, d *Deployment, skey string, sts []*truce.Statement, witnesses bool) (err error) {
	signer, err := tlog.NewSigner(skey)
	if err != nil {
		return err
	}
	l, err := tlog.Open(ctx, tlog.Config{Dir: d.path(d.LogDir), Signer: signer})
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	if witnesses {
		lw, err := startLocalWitnesses(d, d.witnesses, slog.New(slog.DiscardHandler))
		if err != nil {
			l.Close(ctx)
			return err
		}
		defer func() { err = errors.Join(err, lw.close()) }()
		if err := l.SetWitnesses(d.witnesses, lw.urls); err != nil {
			l.Close(ctx)
			return err
		}
	}
	state := truce.NewState(d.Origin)
	entries := make([][]byte, len(sts))
	var sealed [][]byte
	for i, st := range sts {
		if err = state.Check(st); err != nil {
			err = fmt.Errorf("%s statement by %s: %w", st.Payload.Kind, st.Payload.Signer, err)
			break
		}
		state.Apply(st, uint64(i))
		entries[i] = truce.Leaf(st)
		if truce.Sealed(st.Payload.Kind) {
			sealed = append(sealed, st.Raw)
		}
	}
	if err == nil {
		err = putSealed(ctx, d, sealed)
	}
	if err == nil {
		_, _, err = l.AppendAll(ctx, entries)
	}
	if cerr := l.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// putSealed stores envelopes in the deployment's vault.
func putSealed(ctx context.Context, d *Deployment, envelopes [][]byte) error {
	v, err := d.openVault()
	if err != nil {
		return err
	}
	err = v.Put(ctx, envelopes...)
	return errors.Join(err, v.Close())
}

// cloneMembers copies a member list, since init fills in their keys.
func cloneMembers(ms []truce.Member) []truce.Member {
	return append([]truce.Member(nil), ms...)
}
