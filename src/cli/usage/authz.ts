// The usage of `certbound authz`, apart from the command so that `certbound authz --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound authz --help` prints. */
export const AUTHZ_USAGE = `Usage: certbound authz --issuer URL --audience URI --trusted-proxy CIDR … [--form nginx|traefik|envoy]
                      [--route "METHOD PATH=SCOPES" …] [--default deny|authenticated]
                      [--listen 127.0.0.1:9445] [--config F] [--admin-listen 127.0.0.1:9446] [more below]

The endpoint a proxy asks before forwarding a request: 200 with the caller's identity headers when
its certificate-bound token (RFC 8705 §3) is held by the certificate the proxy saw and has the
route's scopes; else 401 with the WWW-Authenticate to pass back, or 403. Plain HTTP, for the proxy
only: the certificate header is believed from --trusted-proxy addresses alone. See docs/gateway.md.
  --form nginx            nginx auth_request: X-Original-Method, X-Original-URI and
                          ssl-client-cert ($ssl_client_escaped_cert) set in the configuration
  --form traefik          Traefik ForwardAuth: X-Forwarded-Method, X-Forwarded-Uri, and
                          X-Forwarded-Tls-Client-Cert (passTLSClientCert with pem: true)
  --form envoy            Envoy HTTP ext_authz: the check request's method and path, behind
                          --envoy-path-prefix P (its path_prefix), x-forwarded-client-cert
  --trusted-proxy CIDR    the proxy's address or range (repeatable; required)
  --certificate-source S  another header format than the form's (nginx, traefik, xfcc, rfc9440,
                          alb, alb-passthrough); --certificate-header NAME, --verify-header NAME=VALUE
                          (e.g. ssl-client-verify=SUCCESS with nginx ssl_verify_client optional)
  --issuer URL            the token service's issuer; its keys are found by discovery
  --issuer-ca F           CA certificate of the token service's TLS certificate (its ca.pem)
  --audience URI          this API's identifier, as tokens carry it in aud (repeatable)
  --route "M PATH=SCOPES" METHOD[,METHOD…] or *, an exact path or a prefix ending in *, and the
                          scopes a token needs; first match wins; repeatable
  --default deny          a request no route matches: deny (403, default) or authenticated
  --introspection ID      also ask the token service (RFC 7662) whether each token is still active,
  --introspection-cert F  as client ID with this certificate and key
  --introspection-key F
  --partner NAME=CA.pem   name the partner whose CA issued the client certificate (repeatable)
  --identity-header F=N   rename an identity header: client-id, partner, scope, cert-thumbprint
  --listen HOST:PORT      where authz listens (default 127.0.0.1:9445)
  --admin-listen H:P      serve /healthz, /readyz and /metrics there (off unless given)
  --config F              a JSON object of these options by long name; the command line wins
  --log-level L           pino level of the decision log on stderr (default info)
SIGHUP reloads the routes; SIGTERM or SIGINT stops gracefully.`;
