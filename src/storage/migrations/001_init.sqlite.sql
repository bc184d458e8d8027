-- certbound schema, version 1, for the embedded SQLite store: the tables and columns of
-- 001_init.sql (test/storage/postgres.test.ts checks that both dialects end alike). SQLite
-- keeps timestamptz as ISO-8601 text (the text of Date#toISOString, so text order is time
-- order), boolean as 0/1, text[] as a JSON array and bytea as a blob; STRICT tables refuse
-- any other type.

CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      text NOT NULL
) STRICT;

-- The platform root CA (id 'platform') and the partners' issuing CAs (id 'partner:<partner id>').
-- Its reference to partners comes with version 2, which rebuilds the table.
CREATE TABLE certificate_authorities (
  id           text PRIMARY KEY,
  partner_id   text,
  cert_pem     text NOT NULL,
  key_pkcs8    blob,
  created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE signing_keys (
  kid          text PRIMARY KEY,
  alg          text NOT NULL,
  key_pkcs8    blob NOT NULL,
  active       integer NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE tls_credentials (
  name         text PRIMARY KEY,
  cert_pem     text NOT NULL,
  key_pkcs8    blob NOT NULL,
  created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE partners (
  id           text PRIMARY KEY,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE resources (
  uri          text PRIMARY KEY,
  partner_id   text REFERENCES partners (id),
  created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE clients (
  id             text PRIMARY KEY,
  partner_id     text NOT NULL REFERENCES partners (id),
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  auth_method    text NOT NULL CHECK (auth_method IN
                   ('tls_client_auth', 'self_signed_tls_client_auth', 'client_secret_basic', 'client_secret_post')),
  subject_kind   text CHECK (subject_kind IN ('subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email')),
  subject_value  text,
  secret_hash    blob,
  scopes         text NOT NULL DEFAULT '[]' CHECK (json_type(scopes) = 'array'),
  token_ttl      integer NOT NULL CHECK (token_ttl > 0),
  bound_tokens   integer NOT NULL DEFAULT 1 CHECK (bound_tokens IN (0, 1)),
  created_at     text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((auth_method = 'tls_client_auth') = (subject_kind IS NOT NULL AND subject_value IS NOT NULL)),
  CHECK ((auth_method IN ('client_secret_basic', 'client_secret_post')) = (secret_hash IS NOT NULL))
) STRICT;
CREATE INDEX clients_partner_idx ON clients (partner_id);

-- Resources a client may get tokens for; position 0 is its default audience.
CREATE TABLE client_resources (
  client_id     text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  resource_uri  text NOT NULL REFERENCES resources (uri),
  position      integer NOT NULL,
  PRIMARY KEY (client_id, resource_uri)
) STRICT;

-- Resources whose tokens a client (acting as resource server) may introspect.
CREATE TABLE client_introspects (
  client_id     text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  resource_uri  text NOT NULL REFERENCES resources (uri),
  PRIMARY KEY (client_id, resource_uri)
) STRICT;

-- Certificates registered for self_signed_tls_client_auth clients.
CREATE TABLE client_certificates (
  client_id     text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  thumbprint    text NOT NULL,
  cert_pem      text NOT NULL,
  created_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (client_id, thumbprint)
) STRICT;

-- Every certificate a certbound CA issued.
CREATE TABLE issued_certificates (
  serial        text PRIMARY KEY,
  issuer_id     text NOT NULL REFERENCES certificate_authorities (id),
  client_id     text,
  subject       text NOT NULL,
  thumbprint    text NOT NULL,
  not_after     text NOT NULL,
  created_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- Access tokens revoked before they expire (RFC 7009). Rows can be purged after expires_at.
CREATE TABLE revoked_tokens (
  jti           text PRIMARY KEY,
  client_id     text NOT NULL,
  expires_at    text NOT NULL,
  revoked_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
