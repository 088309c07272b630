// Package engine is the assessment engine: it groups reports into
// incidents and reads each incident against the terms in force and the
// registry of protected sites. It is a pure function of the log: it has no
// clock and does no I/O, and nothing in its output depends on the order in
// which Go iterates a map. The same statements applied in the same order
// give the same incidents, assessments and [Engine.Digest] on every
// machine.
//
// The projector calls [Engine.Apply] with every report and report.retract
// statement that truce.State.Check accepted, in log order, after applying
// the statements before it to the state, so that the engine reads the
// terms, the registry and the site index as they stand at that log
// position. The engine never writes them. An [Engine] is not safe for
// concurrent use: the service calls it under its own lock.
//
// The rules below are the reference; the code follows them and the tests
// check them.
//
// # Grouping
//
// A report joins an existing incident when all three hold:
//
//   - The acts are compatible: the same act; or both in the aerial group
//     drone_strike, missile_strike, air_strike; or either is "other". The
//     incident's act is that of its most precise counting report (below).
//   - The gap between the report's [When.Start, When.End] and the
//     incident's [Start, End] is at most the corroboration window: zero if
//     the two intervals overlap or touch, else the time between the end of
//     the earlier and the start of the later.
//   - The distance between the report's point and the incident's point
//     (geo.Distance) is at most the corroboration distance.
//
// The corroboration window and distance are those of the first agreement,
// by agreement id, with a version that binds any of that agreement's
// parties (the parties named by any of its versions, taken in id order) at
// the report's When.Start, as truce.Terms.InForce decides; if none binds
// anybody then, [DefaultWindow] and [DefaultMetres].
//
// Among the incidents that qualify, the report joins the one at the
// smallest distance, then the smallest time gap, then the smallest
// incident id. If none qualifies, the report starts a new incident whose
// ID is the report's statement id. An incident whose reports have all been
// retracted takes no new reports. Incidents never merge or split: a report
// that would fit two incidents joins one.
//
// The gap is measured to the incident's span, which grows as reports join:
// reports of one place a day apart, each spanning its whole day, chain
// into one incident for as long as they keep coming.
//
// Candidates come from a spatial index of incidents (geo.Index), each an
// item at the incident's point, active from Start minus a pad to End plus
// the pad, where the pad is the largest corroboration window any report
// has used so far, and at least [DefaultWindow]. The index only narrows
// the search; every candidate is then checked exactly as above.
//
// # Retraction
//
// A report.retract statement (State has checked that the reporter sends it,
// once) marks the report Retracted in its incident. The report stays in the
// incident's Reports and stops counting. The incident's fields are derived
// only from the reports that count:
//
//   - Start is the earliest When.Start and End the latest When.End.
//   - Where is that of the report with the smallest RadiusMetres (ties: the
//     smallest log index), and Act is that report's act.
//   - Accused is the sorted union of the reports' accused.
//
// If no report counts, the incident keeps its last Start, End, Where, Act
// and Accused, its grade is "retracted", and it leaves the grouping index.
//
// # Assessment
//
// An incident is assessed when it is created and again whenever a report
// joins it or is retracted, against the terms and the registry at that log
// position; otherwise it is left as it is. UpdatedAt is the log index of
// that statement. The assessment is made at the incident's Start T and its
// point P, with the uncertainty radius R of its Where.
//
// Parties. The parties assessed are the accused, sorted, if anybody is
// accused; otherwise every party named by any agreement version, sorted.
// For each party, and for each agreement (by id) with a version that binds
// it at T, there is one truce.PartyTerms: the agreement, the version, Since
// (when it began to bind the party) and Clauses, the sorted ids of the
// clauses of that version that prohibit the incident's act and whose zone,
// if any, contains P (geo.Contains). These are the applicable clauses. A
// party that no agreement binds at T gets one PartyTerms with a Reason:
//
//   - "before the window of ua's acceptance (bound from 2025-03-25T00:00:00Z)"
//     when a version signed by every party binds it from a later time (the
//     earliest such time);
//   - "after the terms expired on 2025-04-17T00:00:00Z" when one bound it
//     until T or earlier (the latest such time); if both hold, both are
//     given, separated by "; ";
//   - "no agreement in force: not every party has signed (energy-moratorium
//     version 3 awaits ru)" when it is a party to versions that not every
//     party has signed;
//   - "not a party to any agreement" otherwise.
//
// Sites. The buffer of a category is the largest Buffer.Metres among the
// applicable clauses' buffers whose category covers it (truce.Category.Covers),
// 0 if none does. A site is within reach when an applicable clause
// protects its category (covers it), the registry finds it active at T
// (truce.SiteState.ActiveAt), and its distance from P (geo.Distance to its
// geometry) is at most its Reach: R plus the buffer of its category. Its
// finding has Metres, the distance rounded to the metre (math.Round);
// Reach; and Clauses, the sorted "party:clause" pairs of the applicable
// clauses that protect its category. Every site that a counting report
// names in Target.Sites and that the registry holds is listed too, with
// Named set, even if it is not within reach; then it has no clauses.
// Sites are ordered by Metres, then id, and at most [MaxSites] are listed;
// a finding says how many more there were.
//
// The engine finds the sites within reach with the site index: for each
// buffer that the applicable clauses give, it asks geo.Index.Near for the
// sites within R plus that buffer, active at T, of the categories of the
// taxonomy that have that buffer and are protected. A category's buffer
// and protection pass to the categories under it, so the filter's
// "covers" finds no site beyond its reach; asking once for two buffers
// whose radii are close, it checks each site against its own reach in the
// registry.
//
// Grade. "retracted" if no report counts; else "impartial" if a counting
// report's SourceKind is impartial (truce.SourceKind.Impartial: a monitor
// or a sensor); else "corroborated" if the counting reports have two or
// more distinct signers; else "single_source". ("contested" will come from
// responses; see gradeOf.)
//
// Reply deadline. If somebody is accused and at least one listed site has
// a clause: the claimed time (Payload.Time) of the first counting report,
// by log index, that accuses somebody, plus the ReplyDeadline of the
// agreement version that binds the first accused party, by id, that any
// version binds at T. Otherwise none.
//
// Findings are sentences in this order:
//
//   - "every report was retracted: the incident no longer counts", if so;
//   - one per listed site, e.g. "within 850 m of Zaporizhzhia NPP
//     (energy.generation.nuclear; clauses E3 and E4, in force for ru since
//     2025-03-18)"; a named site is "named as the target, within ..." or,
//     without clauses, "named as the target: X (category) is 12 km away,
//     beyond its reach of 4.5 km" (or "was not a protected site at the
//     time", or "no clause that applies protects it");
//   - "and 3 more sites further away are not listed", if the list was cut;
//   - "no protected site within 4.5 km" if no listed site has a clause, the
//     distance being R plus the largest applicable buffer;
//   - one per party that nothing binds: "no terms bind ua: " and its
//     Reason;
//   - one per binding version under which no clause applies: "ru is bound
//     by energy-moratorium version 1, but none of its clauses prohibits
//     other here";
//   - one per applicable clause with a zone: "clause M1 applies: the place
//     is in its zone".
//
// Distances read "850 m" under a kilometre, "4.5 km" (one decimal, without
// a trailing ".0") under ten, and "12 km" beyond; dates are UTC.
//
// # Digest
//
// [Engine.Digest] summarises every incident so that two replicas can
// compare their projections with one value. An independent implementation
// recomputes it thus:
//
//  1. For each incident, its hash is SHA-256 of [CanonicalJSON]: the
//     encoding/json.Marshal encoding of the truce.Incident struct (fields in
//     declaration order, names and omissions as its tags say; strings with
//     <, > and & escaped as \u003c, \u003e, \u0026; numbers in the shortest
//     form that reads back exactly, as encoding/json writes them), with
//     every time in UTC (RFC 3339 with nanoseconds, trailing zeros dropped,
//     "Z") and every nil slice written as [] rather than null.
//  2. Each incident goes into one of 65,536 buckets: the first 16 bits of
//     SHA-256 of its id (the id's bytes), that is sum[0]<<8 | sum[1].
//  3. A bucket's hash is SHA-256 of the concatenation, over its incidents
//     in byte order of id, of: the id's length as 4 bytes big-endian, the
//     id's bytes, and the incident's 32-byte hash. An empty bucket's hash
//     is SHA-256 of nothing.
//  4. The buckets form 4096 groups of 16 consecutive buckets (group g
//     holds buckets 16g to 16g+15, so an incident's group is the first 12
//     bits of the SHA-256 of its id). A group's hash is SHA-256 of its 16
//     bucket hashes in order (512 bytes).
//  5. The digest is SHA-256 of "truce-state-root-v2\n" (20 bytes), then
//     the number of incidents as 8 bytes big-endian, then the 4096 group
//     hashes in group order (131,072 bytes).
//
// The engine keeps the bucket and group hashes and recomputes only those
// whose incidents changed since the last call, hashing changed incidents
// lazily: Apply does not hash. With a few incidents to a bucket, a
// digest costs in proportion to the incidents changed, not to all of
// them (version 1 hashed 4096 buckets of whole incidents: at a million
// incidents, a state root rehashed some 20 MB).
//
// # Restart
//
// [Restore] rebuilds an engine from incidents as a store persisted them.
// A truce.IncidentReport does not carry the report's time, place, act,
// accused or targets, which the rules above derive incidents from, so a
// restored engine must be given the report statements of the incidents it
// holds with [Engine.Recall] before a report joins one of them or one of
// their reports is retracted; Apply returns an error rather than guess.
package engine
