-- Bulletins between members' staffs, with their acknowledgements in the
-- body: a bulletin is rewritten whole when an acknowledgement arrives.

CREATE TABLE bulletins (
	id   TEXT    NOT NULL PRIMARY KEY,
	idx  INTEGER NOT NULL CHECK (idx >= 0),
	body TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
