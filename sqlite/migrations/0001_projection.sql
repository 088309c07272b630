-- The projection of the log: every statement at its index, and the
-- members and keys that the accepted ones registered. All of it can be
-- dropped and rebuilt by replaying the log.

-- idx is the rowid, so the store's size, max(idx) + 1, is one b-tree
-- descent. id is indexed but not unique: the log's deduplication is
-- best-effort, and a projection that refused a second copy of an entry
-- could never get past it.
CREATE TABLE statements (
	idx      INTEGER PRIMARY KEY CHECK (idx >= 0),
	id       TEXT    NOT NULL,
	kind     TEXT    NOT NULL,
	signer   TEXT    NOT NULL,
	key_id   TEXT    NOT NULL,
	-- RFC 3339 in UTC with all nine fractional digits: exact for every
	-- time a payload can carry (years 0000 to 9999, which nanoseconds in
	-- an int64 are not), and it sorts as it reads.
	time     TEXT    NOT NULL,
	envelope BLOB    NOT NULL,
	status   TEXT    NOT NULL CHECK (status IN ('accepted', 'rejected')),
	reason   TEXT    NOT NULL
) STRICT;

CREATE INDEX statements_id ON statements (id);

CREATE TABLE members (
	id      TEXT    PRIMARY KEY,
	role    TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	since   INTEGER NOT NULL CHECK (since >= 0),
	removed INTEGER NOT NULL CHECK (removed IN (0, 1))
) STRICT, WITHOUT ROWID;

-- A key belongs to a chartered member; a batch that says otherwise is a
-- projector bug, refused rather than persisted.
CREATE TABLE keys (
	id         TEXT    PRIMARY KEY,
	member     TEXT    NOT NULL REFERENCES members (id),
	public_key TEXT    NOT NULL,
	added_at   INTEGER NOT NULL CHECK (added_at >= 0),
	revoked_at INTEGER CHECK (revoked_at >= 0)
) STRICT, WITHOUT ROWID;

CREATE INDEX keys_member ON keys (member);
