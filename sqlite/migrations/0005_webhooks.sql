-- Members' webhook registrations. They are not part of the projection:
-- nothing in the log makes them, and Reset leaves them.

CREATE TABLE webhooks (
	id      TEXT NOT NULL PRIMARY KEY,
	member  TEXT NOT NULL,
	url     TEXT NOT NULL,
	filter  TEXT NOT NULL,
	created TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX webhooks_member ON webhooks (member);
