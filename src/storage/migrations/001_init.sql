-- certbound schema, version 1, for PostgreSQL (001_init.sqlite.sql is the same for the embedded SQLite store).

CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      text NOT NULL
);

-- The platform root CA (id 'platform') and the partners' issuing CAs (id 'partner:<partner id>').
CREATE TABLE certificate_authorities (
  id           text PRIMARY KEY,
  partner_id   text,
  cert_pem     text NOT NULL,
  key_pkcs8    bytea,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE signing_keys (
  kid          text PRIMARY KEY,
  alg          text NOT NULL,
  key_pkcs8    bytea NOT NULL,
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tls_credentials (
  name         text PRIMARY KEY,
  cert_pem     text NOT NULL,
  key_pkcs8    bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partners (
  id           text PRIMARY KEY,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at   timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE certificate_authorities
  ADD CONSTRAINT certificate_authorities_partner_fk FOREIGN KEY (partner_id) REFERENCES partners (id);

-- APIs, identified by the URI that becomes a token's aud. Per-resource scopes come later.
CREATE TABLE resources (
  uri          text PRIMARY KEY,
  partner_id   text REFERENCES partners (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clients (
  id             text PRIMARY KEY,
  partner_id     text NOT NULL REFERENCES partners (id),
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  auth_method    text NOT NULL CHECK (auth_method IN
                   ('tls_client_auth', 'self_signed_tls_client_auth', 'client_secret_basic', 'client_secret_post')),
  subject_kind   text CHECK (subject_kind IN ('subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email')),
  subject_value  text,
  secret_hash    bytea,
  scopes         text[] NOT NULL DEFAULT '{}',
  token_ttl      integer NOT NULL CHECK (token_ttl > 0),
  bound_tokens   boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((auth_method = 'tls_client_auth') = (subject_kind IS NOT NULL AND subject_value IS NOT NULL)),
  CHECK ((auth_method IN ('client_secret_basic', 'client_secret_post')) = (secret_hash IS NOT NULL))
);
CREATE INDEX clients_partner_idx ON clients (partner_id);

-- Resources a client may get tokens for; position 0 is its default audience.
CREATE TABLE client_resources (
  client_id     text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  resource_uri  text NOT NULL REFERENCES resources (uri),
  position      integer NOT NULL,
  PRIMARY KEY (client_id, resource_uri)
);

-- Resources whose tokens a client (acting as resource server) may introspect.
CREATE TABLE client_introspects (
  client_id     text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  resource_uri  text NOT NULL REFERENCES resources (uri),
  PRIMARY KEY (client_id, resource_uri)
);

-- Certificates registered for self_signed_tls_client_auth clients.
CREATE TABLE client_certificates (
  client_id     text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  thumbprint    text NOT NULL,
  cert_pem      text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, thumbprint)
);

-- Every certificate a certbound CA issued.
CREATE TABLE issued_certificates (
  serial        text PRIMARY KEY,
  issuer_id     text NOT NULL REFERENCES certificate_authorities (id),
  client_id     text,
  subject       text NOT NULL,
  thumbprint    text NOT NULL,
  not_after     timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Access tokens revoked before they expire (RFC 7009). Rows can be purged after expires_at.
CREATE TABLE revoked_tokens (
  jti           text PRIMARY KEY,
  client_id     text NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz NOT NULL DEFAULT now()
);
