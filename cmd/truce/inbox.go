package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

func (m *Main) runInbox(ctx context.Context, args []string) error {
	fs := m.flagSet("inbox", "inbox --key KEYFILE [--server URL] [--json]",
		"Shows what awaits your member: the incidents that accuse it and await its reply, with\n"+
			"their deadlines (overdue ones say so); the bulletins it is asked to acknowledge; and,\n"+
			"for a mediator or a monitor, the incidents with a protected site within reach that are\n"+
			"not determined yet. Reply with \"truce respond\", acknowledge with \"truce ack\",\n"+
			"determine with \"truce determine\".")
	key := fs.String("key", "", "your member's key file (required; $TRUCE_TOKEN if not given)")
	server := m.serverFlag(fs)
	asJSON := fs.Bool("json", false, "print the inbox as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("inbox: unexpected argument %q", fs.Arg(0))
	}
	if *key == "" && m.Getenv("TRUCE_TOKEN") == "" {
		return usagef("inbox: --key is required (or a token in $TRUCE_TOKEN)")
	}
	c, err := m.readClient(ctx, *server, *key)
	if err != nil {
		return err
	}
	box, err := c.Inbox(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(m.Stdout, box)
	}
	printInbox(m.Stdout, box, m.Now())
	return nil
}

// printInbox writes the inbox for people.
func printInbox(w io.Writer, box *truce.Inbox, now time.Time) {
	fmt.Fprintf(w, "Inbox of %s (%s)\n", box.Member, box.Role)
	fmt.Fprintf(w, "\nTo reply to (%d):\n", len(box.Reply))
	for _, inc := range box.Reply {
		due := "no deadline"
		if inc.Deadline != nil {
			due = "reply due " + inc.Deadline.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "  %s  %s  %s%s  [%s, %s]\n", inc.ID, inc.Start.UTC().Format(time.RFC3339), inc.Act, place(inc), inc.Status, due)
	}
	fmt.Fprintf(w, "\nBulletins to acknowledge (%d):\n", len(box.Acknowledge))
	for _, b := range box.Acknowledge {
		fmt.Fprintf(w, "  %s  from %s at %s: %s\n", b.ID, b.Signer, b.Time.UTC().Format(time.RFC3339), b.Title)
	}
	if box.Role == truce.RoleMediator || box.Role == truce.RoleMonitor {
		fmt.Fprintf(w, "\nTo determine (%d):\n", len(box.Determine))
		for _, inc := range box.Determine {
			fmt.Fprintf(w, "  %s  %s  %s%s  [%s; accused: %s]\n", inc.ID, inc.Start.UTC().Format(time.RFC3339), inc.Act, place(inc),
				inc.Status, orNone(inc.Accused))
		}
	}
	if box.Truncated {
		fmt.Fprintf(w, "\n(The lists stop at %d incidents.)\n", truce.MaxIncidentLimit)
	}
}

// place says where an inbox incident is: its place name and the
// protected sites within reach.
func place(inc truce.InboxIncident) string {
	var s string
	if inc.Place != "" {
		s = " at " + inc.Place
	}
	if len(inc.Sites) > 0 {
		s += " near " + strings.Join(inc.Sites, ", ")
	}
	return s
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	return strings.Join(v, ", ")
}
