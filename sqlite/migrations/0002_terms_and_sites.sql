-- Agreements and the registry of protected sites. Each row keeps the
-- domain value as JSON, which the projector wrote and only it reads back:
-- the columns beside it are those a query filters or sorts on.

CREATE TABLE agreements (
	id      TEXT    NOT NULL,
	version INTEGER NOT NULL CHECK (version >= 1),
	body    TEXT    NOT NULL,
	PRIMARY KEY (id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE sites (
	id         TEXT NOT NULL PRIMARY KEY,
	category   TEXT NOT NULL,
	controller TEXT NOT NULL,
	status     TEXT NOT NULL,
	body       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A site's history: one row per statement that concerned it. A batch
-- statement concerns many sites, so the key is the pair.
CREATE TABLE site_events (
	site  TEXT    NOT NULL,
	idx   INTEGER NOT NULL CHECK (idx >= 0),
	body  TEXT    NOT NULL,
	PRIMARY KEY (site, idx)
) STRICT, WITHOUT ROWID;

-- The service finds the charter in force, the latest accepted one, on start.
CREATE INDEX statements_kind ON statements (kind, idx);
