// The usage of `certbound gateway`, apart from the command so that `certbound gateway --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound gateway --help` prints. */
export const GATEWAY_USAGE = `Usage: certbound gateway --issuer URL --audience URI --upstream http://HOST:PORT
                        --tls-cert F --tls-key F [--client-ca F] [--listen 127.0.0.1:9443]
                        [--route "METHOD PATH=SCOPES" …] [--default deny|authenticated]
                        [--certificate-source tls|nginx|rfc9440|xfcc|traefik|alb|alb-passthrough
                         --trusted-proxy CIDR … [--certificate-header NAME] [--verify-header NAME=VALUE]]
                        [--config F] [--admin-listen 127.0.0.1:9444] [more options below]

Terminates mutual TLS, verifies each request's certificate-bound access token (RFC 8705 §3) with
the scopes of its route, and forwards what it allows to the upstream, which needs no OAuth code.
See docs/gateway.md.
  --issuer URL            the token service's issuer; its keys are found by discovery
  --issuer-ca F           CA certificate of the token service's TLS certificate (its ca.pem)
  --audience URI          this API's identifier, as tokens carry it in aud (repeatable)
  --upstream URL          where allowed requests go: an http:// or https:// origin
  --tls-cert/--tls-key F  the gateway's TLS certificate and key (PEM)
  --client-ca F           CA certificates whose names clients are offered when asked for theirs
  --listen HOST:PORT      where the gateway listens (default 127.0.0.1:9443)
  --route "M PATH=SCOPES" METHOD[,METHOD…] or *, an exact path or a prefix ending in *, and the
                          scopes a token needs (none: every valid token passes); first match wins; repeatable
  --default deny          what a request no route matches gets: deny (403, the default), or
                          authenticated (any valid bound token)
  --certificate-source S  tls (default: this connection's certificate) or the header format of a
                          TLS-terminating proxy in front; then --trusted-proxy (repeatable) names
                          the proxy addresses believed, --certificate-header another header name,
                          --verify-header NAME=VALUE a verdict header required (docs/proxies.md)
  --introspection ID      also ask the token service (RFC 7662) whether each token is still active,
  --introspection-cert F  as client ID with this certificate and key (revocation bites at once)
  --introspection-key F
  --partner NAME=CA.pem   name the partner whose CA issued the client certificate (repeatable)
  --identity-header F=N   rename an identity header: client-id, partner, scope, cert-thumbprint
                          (defaults X-Certbound-Client-Id, -Partner, -Scope, -Cert-Thumbprint)
  --forward-authorization pass the client's Authorization header on (default: removed)
  --forwarded STYLE       x-forwarded (X-Forwarded-For/-Proto/-Host, default) or rfc7239 (Forwarded)
  --preserve-host         pass the client's Host on (default: the upstream's own host; the client's
                          is in X-Forwarded-Host or Forwarded)
  --upstream-ca F         CA certificate(s) of an https upstream
  --upstream-timeout MS   longest wait for the upstream's headers or next body chunk (default 30000): 504
  --upstream-connections N  connections kept to the upstream (default 128)
  --max-body BYTES        largest request body forwarded (default 10485760): 413
  --admin-listen H:P      serve /healthz, /readyz and /metrics there (plain HTTP; off unless given)
  --shutdown-timeout MS   how long SIGTERM waits for requests in flight (default 10000)
  --config F              a JSON object of these options by long name ({"route": [...], ...});
                          the command line wins
  --log-level L           pino level of the access log on stderr (default info)
SIGHUP reloads the TLS certificate and key, the client CAs and the routes (from the command line
and --config) without dropping connections; SIGTERM or SIGINT stops gracefully.`;
