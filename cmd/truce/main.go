// Command truce runs and uses a Truce deployment: a signed, tamper-evident
// record of a ceasefire's terms, protected sites, incident reports and
// findings. Run "truce help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/truce-project/truce"
	"k8s.io/klog/v2"
)

func main() { os.Exit(run()) }

// run is the process without its exit, so that tests can register it as
// the "truce" command of their scripts: 0 on success and for -h, 2 for a
// usage error, 1 for any other error.
func run() int {
	quietTessera()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := NewMain().Run(ctx, os.Args[1:])
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(os.Stderr, "truce:", userMessage(err))
	return exitCode(err)
}

// quietTessera sends the klog output of Tessera, which reports each
// routine step at info level, to standard error at warning level and up.
// klog is process-global, so only main sets it.
func quietTessera() {
	klog.SetSlogLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// Main is the program, with its outside world as fields so that tests can
// run it in-process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock used for statement times.
	Now func() time.Time
	// Getenv reads the environment.
	Getenv func(string) string
}

// NewMain returns a Main wired to the process.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now, Getenv: os.Getenv}
}

// usageError is a mistake in the command line; the process exits with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// userMessage shows a *truce.Error's message and any other error whole:
// on the command line the user is also the operator. An internal
// *truce.Error that is the whole error, such as a server's 500 as the
// client reports it, shows its message too, not its Go form.
func userMessage(err error) string {
	var te *truce.Error
	if errors.As(err, &te) && (te.Code != truce.EINTERNAL || error(te) == err) {
		return te.Message
	}
	return err.Error()
}

type command struct {
	name    string
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create a deployment: charter, member keys, log", (*Main).runInit},
		{"serve", "run the service", (*Main).runServe},
		{"key", "manage keys (key new)", (*Main).runKey},
		{"sign", "sign a statement", (*Main).runSign},
		{"submit", "submit signed statements to a server", (*Main).runSubmit},
		{"verify", "verify the log, its consistency and a statement's inclusion", (*Main).runVerify},
		{"witness", "run a witness that cosigns the log's consistent checkpoints", (*Main).runWitness},
		{"mirror", "follow the log, replay it, and alert on any inconsistency", (*Main).runMirror},
		{"rebuild", "drop the projection and replay the log into it", (*Main).runRebuild},
		{"agreement", "propose, sign and show agreements", (*Main).runAgreement},
		{"import", "import protected sites or reports from files", (*Main).runImport},
		{"report", "compose, sign and submit a report", (*Main).runReport},
		{"respond", "reply to an incident that accuses your party", (*Main).runRespond},
		{"determine", "record a finding on an incident (mediator, monitor)", (*Main).runDetermine},
		{"bulletin", "send a situation update to the other members", (*Main).runBulletin},
		{"ack", "acknowledge a bulletin", (*Main).runAck},
		{"inbox", "what awaits your member: replies, acknowledgements, determinations", (*Main).runInbox},
		{"token", "print a bearer token for reading as your member", (*Main).runToken},
		{"export", "download incidents as GeoJSON, CSV or JSON Lines", (*Main).runExport},
		{"daily", "write the daily report of a day (md, html, json)", (*Main).runDaily},
	}
}

// Run runs the command line args (without the program name).
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		m.usage()
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(m, ctx, args[1:])
		}
	}
	m.usage()
	return usagef("unknown command %q", args[0])
}

func (m *Main) usage() {
	fmt.Fprintln(m.Stderr, "Truce: signed statements of a ceasefire on a transparency log.\n\nUsage: truce COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(m.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(m.Stderr, "\nRun \"truce COMMAND -h\" for a command's flags.")
}

// flagSet returns a flag set for a command whose usage text starts with
// synopsis and description.
func (m *Main) flagSet(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: truce %s\n\n%s\n\nFlags:\n", synopsis, description)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning a flag mistake into a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	return nil
}
