-- Reports and the incidents the engine derives from them. The service
-- keeps both in memory and answers queries from there; these tables let
-- it restart without replaying the log.

CREATE TABLE reports (
	id         TEXT    NOT NULL PRIMARY KEY,
	idx        INTEGER NOT NULL CHECK (idx >= 0),
	signer     TEXT    NOT NULL,
	client_ref TEXT    NOT NULL,
	retracted  INTEGER NOT NULL CHECK (retracted IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE incidents (
	id         TEXT    NOT NULL PRIMARY KEY,
	updated_at INTEGER NOT NULL CHECK (updated_at >= 0),
	body       TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
