-- The id of the key whose token registered a webhook: a hook reads as its
-- member with that key, and reads as the public once the key is revoked.
-- Registrations made before have none and follow their member only.
ALTER TABLE webhooks ADD COLUMN key TEXT NOT NULL DEFAULT '';
