// The usage of `certbound serve`, apart from the command so that `certbound serve --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound serve --help` prints. */
export const SERVE_USAGE = `Usage: certbound serve [--host 127.0.0.1] [--port 8443] [--issuer URL] [--tls-cert F --tls-key F]
                      [--admin-host 127.0.0.1] [--admin-port 8444 | --no-admin] [--database URL] [--kek-file F]
                      [--metrics-host 127.0.0.1] [--metrics-port N]
                      [--default-audience URI] [--ca-names all|roots] [--audit-retention 90d|0]
                      [--workers N] [--key-rotation 30d [--key-lead-time 1h]] [--drain-timeout 10s]
                      [--seed-demo] [--log-level info] [--dir D]

Runs the token service on the data directory (initialising it first if needed).
  --issuer URL            exactly the issuer tokens and metadata carry (default https://localhost:PORT)
  --tls-cert/--tls-key    serve with your own certificate instead of the generated one
  --admin-host H          where the admin API listens (default 127.0.0.1): mutual TLS with
  --admin-port N          administrator certificates only; default 8444, 0 for a free port;
                          see docs/admin-api.md
  --no-admin              run without the admin API
  --metrics-port N        serve Prometheus metrics at http://HOST:N/metrics (plain HTTP, no certificate;
  --metrics-host H        default host 127.0.0.1); off unless given. Never on the token port
  --database URL          keep the store in a PostgreSQL server (postgres://…) instead of <dir>/certbound.db;
                          it needs a key-encryption key: --kek-file F or $CERTBOUND_KEK
  --kek-file F            the key-encryption key private keys are wrapped under (32 random bytes,
                          base64; default for the embedded store: <dir>/kek, created on first use)
  --insecure-permissions  use a data directory group or others can read or write (refused otherwise)
  --default-audience URI  aud for clients with no resource of their own (default: the issuer)
  --ca-names all|roots    CA names sent to clients in the TLS handshake: every trusted CA (default),
                          or only the platform root and imported CAs — for many partners (the list
                          costs ~52 bytes per partner; TLS caps it near 1,258). With roots, clients
                          present their chain: the cert.pem certbound issues already holds it
  --audit-retention D     delete audit events older than D (e.g. 90d, 36h; default 90d), at start
                          and hourly; 0 or off keeps every event
  --workers N             run the token service in N processes sharing the port (default 1; above 1
                          needs --database: the embedded store has one writer). The admin API and
                          metrics stay in the first process; metrics sum every worker's
  --key-rotation D        rotate the token signing key every D (e.g. 30d) on this instance, each new
  --key-lead-time D       key published in /jwks D (default 1h) before it signs; without it, the
                          schedule of keys rotate --schedule applies. Keys whose tokens have all
                          expired leave /jwks by themselves either way (see certbound keys)
  --drain-timeout D       on SIGTERM or SIGINT, how long requests in flight may take to finish
                          (default 10s, at most 5m) before their connections are cut
  --seed-demo             on an empty data directory, create partner 'demo' and client
                          'demo-client' with its key and certificate in <dir>/demo-client/
While it runs, partner, client, resource, cert (but not cert server <name>) and admin commands on
the same data directory go through its admin API (with <dir>/admin/cert.pem, an administrator
certificate it creates), so every change is live at once; other commands that change the
directory refuse (make an API's certificate with cert server before starting, or stop serve).
Instances on one PostgreSQL database share one issuer (stored at the first start; another
--issuer is refused) and apply each other's changes at once (LISTEN/NOTIFY, with a 2 s poll as
safety net). A database that cannot be reached at start is retried until it answers.
SIGHUP reloads clients, partners, CAs and keys from the database. SIGTERM (or Ctrl-C) shuts down
gracefully: no new connections, requests in flight finish (--drain-timeout), the audit log is
written, the database closed, exit status 0; a second signal exits at once (status 1).`;
