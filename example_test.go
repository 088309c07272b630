package truce_test

import (
	"crypto/rand"
	"fmt"
	"log"
	"time"

	"github.com/truce-project/truce"
)

// A mediator signs the charter that starts a deployment's log; anyone can
// parse the envelope and check it against the authority of the empty log.
func ExampleSign() {
	const origin = "truce.example/energy-moratorium"
	mediator, err := truce.GenerateSigner("us", rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	ukraine, err := truce.GenerateSigner("ukraine", rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	charter := truce.Charter{
		Name: "Moratorium on strikes against energy infrastructure",
		Members: []truce.Member{
			{ID: "ukraine", Role: truce.RoleParty, Name: "Ukraine", Keys: []truce.PublicKey{truce.NewPublicKey(ukraine.Public())}},
			{ID: "us", Role: truce.RoleMediator, Name: "United States", Keys: []truce.PublicKey{truce.NewPublicKey(mediator.Public())}},
		},
	}
	signed, err := truce.Sign(mediator, origin, truce.KindCharter, time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC), charter)
	if err != nil {
		log.Fatal(err)
	}

	// signed.Raw is the DSSE envelope to submit, and the log entry.
	st, err := truce.ParseStatement(signed.Raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Payload.Kind, "signed by", st.Payload.Signer, "at", st.Payload.Time.Format(time.RFC3339))
	fmt.Println("members:", len(st.Body.(*truce.Charter).Members))
	fmt.Println("same id:", st.ID == signed.ID)
	fmt.Println("check:", truce.NewAuthority(origin).Check(st))
	// Output:
	// charter signed by us at 2025-03-18T12:00:00Z
	// members: 2
	// same id: true
	// check: <nil>
}
