package engine_test

import (
	"fmt"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
	"github.com/truce-project/truce/geo"
)

// Two members report a drone strike near Enerhodar, an hour and a
// kilometre apart: the engine groups them into one corroborated incident.
// Without agreements, the default corroboration window and distance
// apply, and no site is protected.
func Example() {
	e := engine.New(truce.NewTerms(), truce.NewRegistry(), geo.NewIndex[string]())
	at := time.Date(2025, 3, 20, 2, 0, 0, 0, time.UTC)
	for i, by := range []string{"ua", "osint"} {
		r := &truce.Report{
			When:  truce.When{Start: at.Add(time.Duration(i) * time.Hour), End: at.Add(time.Duration(i+1) * time.Hour), Precision: "hour"},
			Where: truce.Where{Lat: 47.52 + 0.009*float64(i), Lon: 34.59, RadiusMetres: 500, Precision: "near"},
			Act:   truce.ActDroneStrike, SourceKind: truce.SourceOSINT,
		}
		st := &truce.Statement{
			ID:      fmt.Sprintf("%064d", i+1), // a statement's id is the SHA-256 of its envelope
			Payload: truce.Payload{Kind: truce.KindReport, Signer: by, Time: r.When.End},
			Body:    r,
		}
		incs, err := e.Apply(st, uint64(10+i))
		if err != nil {
			panic(err)
		}
		inc := incs[0]
		fmt.Printf("%d report(s) in incident %.4s…: %s, %q\n", len(inc.Reports), inc.ID, inc.Assessment.Grade, inc.Assessment.Findings)
	}
	fmt.Println(e.Len(), "incident")
	// Output:
	// 1 report(s) in incident 0000…: single_source, ["no protected site within 0.5 km"]
	// 2 report(s) in incident 0000…: corroborated, ["no protected site within 0.5 km"]
	// 1 incident
}
