-- Whether the log holds a statement as a commitment to it (truce.Leaf)
-- rather than as its envelope, which the statements table keeps either
-- way: a receipt proves the inclusion of the leaf the log holds.
ALTER TABLE statements ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1));
