-- certbound schema, version 3: signing-key rotation. A key is published in the JWKS from its
-- creation, signs from activates_at (NULL: from its creation, as every key before version 3),
-- and leaves the JWKS at retired_at, once every token it signed has expired.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz;
ALTER TABLE signing_keys ADD COLUMN retired_at timestamptz;
