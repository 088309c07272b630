// Package tlog is Truce's transparency log: an append-only Merkle tree of
// statements kept in a local directory by [Tessera]'s POSIX driver, in the
// [C2SP tlog-tiles] layout with checkpoints in the [C2SP signed-note]
// format. It implements [truce.Log] and is the only package of Truce that
// imports Tessera.
//
// # Opening a log
//
// A log is a directory and a key. [GenerateKey] makes a key pair for an
// origin, such as "truce.example.org/ceasefire-2025"; the secret key goes to
// [NewSigner], the public one to [NewVerifier] and to everyone who will check
// the log. [Open] creates the log if the directory holds none and resumes it
// otherwise:
//
//	s, err := tlog.NewSigner(skey)
//	...
//	l, err := tlog.Open(ctx, tlog.Config{Dir: "/var/lib/truce/log", Signer: s})
//	...
//	defer l.Close(ctx)
//
// Open takes an exclusive lock on Dir/.state/truce.lock for the life of the
// Log and returns ECONFLICT while another process, or another Log in this
// one, holds it; the kernel drops the lock when its holder dies, so a crash
// leaves no stale lock behind. Open also refuses a directory whose checkpoint was signed by
// another key or for another origin.
//
// # Appending
//
// [Log.Append] returns once a published checkpoint includes the entry, with
// the entry's index and that checkpoint, so a caller can acknowledge a
// statement with proof that the log committed to it. Tessera sequences
// concurrent Appends in batches ([Config.BatchMaxAge],
// [Config.BatchMaxSize]), writes them durably and integrates them into the
// tree at once, and publishes a new checkpoint at most every
// [Config.CheckpointInterval]. With the defaults on a small machine, an Append
// to an idle log takes about 20 ms; under load, or from a writer that waits
// for each Append before the next, each takes about one checkpoint interval
// (100 to 130 ms), so throughput is the number of concurrent writers divided
// by that.
//
// The log does not deduplicate: the same bytes appended twice are two
// entries, which Truce's projection recognises by statement id. An Append
// whose ctx ends while it waits returns ctx's error, yet its entry may still
// be appended and published. Entries larger than [truce.MaxEntrySize] are
// refused with ETOOLARGE.
//
// # Reading and proving
//
// An entry becomes visible in two steps. Once sequenced it is integrated
// at once: it is durable, counted by [Log.IntegratedSize], and readable with
// [Log.Entries] and provable with [Log.InclusionProof]. Once a checkpoint
// covers it, it is public: [Log.Checkpoint] and the checkpoint file commit
// to it, and only then does Append return. Readers of the files should trust
// nothing beyond the checkpoint.
//
// Entries reads any range with one read per entry bundle of 256 entries.
// InclusionProof and ConsistencyProof build RFC 6962 proofs from the tiles on
// disk for any tree size up to IntegratedSize, not only sizes a checkpoint
// was published for.
//
// # Verifying
//
// [VerifyCheckpoint], [VerifyInclusion] and [VerifyConsistency] check what a
// log hands out without a Log, as the command line and auditors do. A
// signature or proof that does not check is EUNAUTHORIZED; malformed input
// is EINVALID. Leaves are hashed as in RFC 6962: SHA-256(0x00 || entry).
// Nothing here is needed to check the log: Go's golang.org/x/mod/sumdb/tlog
// and note packages, or filippo.io/torchwood, verify it from the files alone.
//
// # Files
//
// Dir holds what readers fetch, to be served read-only at /log/:
//
//	checkpoint                      the latest signed checkpoint; changes
//	tile/<L>/<N>[.p/<W>]            Merkle tree tiles; never change once written
//	tile/entries/<N>[.p/<W>]        entry bundles; never change once written
//
// and Tessera's private state in Dir/.state, which is not secret but need
// not be served. About once a minute Tessera deletes the partial tiles and
// bundles (those ending in .p/<W>) that a published full one has replaced;
// readers of an old tree size then fetch the full tile and use its prefix,
// as Tessera's client does.
//
// # Closing
//
// [Log.Close] stops taking entries, lets the Appends under way finish, has
// Tessera publish a checkpoint covering everything it sequenced, stops
// Tessera's background tasks and releases the lock. A kill -9 loses no
// acknowledged entry: an entry is durable before its Append returns, and the
// next Open publishes anything integrated but not yet covered by a
// checkpoint.
//
// Tessera logs through klog to standard error; [Config.Logger] receives this
// package's own messages.
//
// [Tessera]: https://github.com/transparency-dev/tessera
// [C2SP tlog-tiles]: https://c2sp.org/tlog-tiles
// [C2SP signed-note]: https://c2sp.org/signed-note
package tlog
