package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// testSeen checks Seen, which the projector uses to refuse replays: the
// first index of each id the projection holds, and nothing for the rest.
func (s *suite) testSeen(t *testing.T, st truce.Store) {
	records := append(s.f.recs(0, 3), s.f.at(1, 3))
	apply(t, st, truce.Batch{Records: records})
	ids := []string{records[1].ID, records[2].ID, "no-such-id"}
	seen, err := st.Seen(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]uint64{records[1].ID: 1, records[2].ID: 2}; !reflect.DeepEqual(seen, want) {
		t.Errorf("Seen = %v, want %v", seen, want)
	}
}

// testReportsAndIncidents checks reports and incidents: upsert by id,
// order, exact round trip, the envelopes of one kind, and the charter.
func (s *suite) testReportsAndIncidents(t *testing.T, st truce.Store) {
	ctx := context.Background()
	if id, err := st.Charter(ctx); err != nil || id != "" {
		t.Errorf("Charter of an empty store = %q, %v", id, err)
	}
	recs := s.f.recs(0, 4)
	recs[0].Kind, recs[2].Kind = truce.KindCharter, truce.KindReport
	recs[3].Kind, recs[3].Status, recs[3].Reason = truce.KindReport, truce.StatusRejected, "Refused."
	r1 := truce.ReportState{ID: "b", Index: 2, Signer: "ua", ClientRef: "ua-1"}
	r2 := truce.ReportState{ID: "a", Index: 3, Signer: "ru"}
	inc := incident("b", 2)
	apply(t, st, truce.Batch{Records: recs, Reports: []truce.ReportState{r1, r2}, Incidents: []truce.Incident{inc}})
	r1.Retracted = true
	inc.Reports[0].Retracted, inc.Assessment.Grade, inc.UpdatedAt = true, truce.GradeRetracted, 5
	apply(t, st, truce.Batch{Reports: []truce.ReportState{r1}, Incidents: []truce.Incident{inc, incident("c", 4)}})

	reports, err := st.Reports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []truce.ReportState{r2, r1}; !reflect.DeepEqual(reports, want) {
		t.Errorf("Reports =\n%+v\nwant\n%+v", reports, want)
	}
	incidents, err := st.Incidents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []truce.Incident{inc, incident("c", 4)}; !reflect.DeepEqual(incidents, want) {
		t.Errorf("Incidents =\n%+v\nwant\n%+v", incidents, want)
	}
	var envelopes [][]byte
	err = st.Envelopes(ctx, truce.KindReport, func(env []byte) error { envelopes = append(envelopes, env); return nil })
	if err != nil || len(envelopes) != 1 || string(envelopes[0]) != string(recs[2].Envelope) {
		t.Errorf("Envelopes(report) = %d envelopes, %v; want the one accepted report", len(envelopes), err)
	}
	if id, err := st.Charter(ctx); err != nil || id != recs[0].ID {
		t.Errorf("Charter = %q, %v; want %q", id, err, recs[0].ID)
	}
	if err := st.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Reports(ctx); len(r) != 0 {
		t.Errorf("after Reset, %d reports remain", len(r))
	}
	if i, _ := st.Incidents(ctx); len(i) != 0 {
		t.Errorf("after Reset, %d incidents remain", len(i))
	}
}

func incident(id string, index uint64) truce.Incident {
	at := time.Date(2025, 3, 21, 4, 0, 0, 0, time.UTC)
	deadline := at.Add(72 * time.Hour)
	return truce.Incident{
		ID:      id,
		Reports: []truce.IncidentReport{{Statement: id, Index: index, Signer: "ua", SourceKind: truce.SourceParty, Time: at}},
		Start:   at, End: at.Add(4 * time.Hour),
		Where: truce.Where{Lat: 51.1957, Lon: 35.2728, RadiusMetres: 500, Precision: "exact", Admin: []string{"RU-KRS"}},
		Act:   truce.ActShelling, Accused: []string{"ru"},
		Assessment: truce.Assessment{
			Parties: []truce.PartyTerms{{Party: "ru", Agreement: "energy-moratorium", Version: 1, Since: &at, Clauses: []string{"E2"}}},
			Sites: []truce.SiteFinding{{Site: "demo:sudzha-gms", Name: "Sudzha gas metering station", Category: "energy.gas.metering",
				Controller: "ru", Metres: 0, Reach: 1000, Clauses: []string{"ru:E2"}, Named: true}},
			Grade: truce.GradeSingle, ReplyDeadline: &deadline, Findings: []string{"named as the target"},
		},
		UpdatedAt: index,
	}
}

func (s *suite) testBulletins(t *testing.T, st truce.Store) {
	ctx := context.Background()
	if bs, err := st.Bulletins(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("Bulletins of an empty store = %v, %v", bs, err)
	}
	at := time.Date(2025, 3, 24, 12, 0, 0, 0, time.UTC)
	until := at.Add(48 * time.Hour)
	later := truce.BulletinState{ID: "a", Index: 3, Signer: "ru", Time: at, Bulletin: truce.Bulletin{Title: "Demining", Text: "Near Enerhodar."}, Acks: []truce.Ack{}}
	first := truce.BulletinState{ID: "b", Index: 1, Signer: "us", Time: at,
		Bulletin: truce.Bulletin{Title: "Talks", Text: "In Riyadh.", Window: &truce.Span{From: at, Until: &until}, To: []string{"ru", "ua"}, AckRequested: true},
		Acks:     []truce.Ack{}}
	apply(t, st, truce.Batch{Records: s.f.recs(0, 4), Bulletins: []truce.BulletinState{later, first}})
	first.Acks = []truce.Ack{{Member: "ua", Statement: "c", Index: 4, Time: at.Add(time.Hour), Text: "Received."}}
	apply(t, st, truce.Batch{Records: s.f.recs(4, 1), Bulletins: []truce.BulletinState{first}})
	bs, err := st.Bulletins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []truce.BulletinState{first, later}; !reflect.DeepEqual(bs, want) {
		t.Errorf("Bulletins =\n%+v\nwant, in log order,\n%+v", bs, want)
	}
	if err := st.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if bs, _ := st.Bulletins(ctx); len(bs) != 0 {
		t.Errorf("after Reset, %d bulletins remain", len(bs))
	}
}
