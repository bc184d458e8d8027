import { X509Certificate } from 'node:crypto';
import type { Client, Grant, Partner, Resource } from '../core/model.ts';
import { canonicalSerial } from '../core/serial.ts';
import { validatePath } from '../pki/path-validation.ts';
import type { PeerCertificate } from '../transport/tls.ts';
import type { Store } from '../storage/store.ts';

/** One of a partner's trust anchors: a CA its `tls_client_auth` clients' certificates must chain to. */
export interface Anchor {
  readonly authorityId: string;
  readonly partnerId: string;
  readonly x509: X509Certificate;
  /** Lowercase hex SHA-256 of the DER: anchors are compared by this, never by name. */
  readonly fingerprint: string;
  /** Where the CA's CRL comes from, for an imported CA that has one configured. */
  readonly crlSource: string | null;
}

/** The anchor a certificate's validated path reaches, the certificate on that path the anchor signed, and the whole path. */
export interface AnchorMatch {
  readonly anchor: Anchor;
  readonly child: X509Certificate;
  /** `x5t#S256` of every certificate on the path, leaf first, anchor last. */
  readonly thumbprints: readonly string[];
}

/** Revocation lists of imported CAs, kept fresh elsewhere. */
export interface RevocationLists {
  /** Canonical serials the anchor's current CRL lists, or null when no valid CRL is at hand (fail closed). */
  revokedSerials(anchor: Anchor): ReadonlySet<string> | null;
}

const NO_CRLS: RevocationLists = { revokedSerials: () => null };

/**
 * An in-memory snapshot of everything the token endpoint looks up, so that issuing a
 * token needs no database round trip. Rebuilt whole (`loadRegistry`) when the registry changes.
 */
export interface Registry {
  /** Increases with every registry loaded in this process: a handshake judged under an older one was judged by an older trust set. */
  readonly generation: number;
  readonly clients: ReadonlyMap<string, Client>;
  readonly partners: ReadonlyMap<string, Partner>;
  readonly resources: ReadonlyMap<string, Resource>;
  /** Per active partner, its trust anchors. */
  readonly anchors: ReadonlyMap<string, readonly Anchor[]>;
  /** Per `self_signed_tls_client_auth` client, the thumbprints of its registered, unretired certificates. */
  readonly selfSigned: ReadonlyMap<string, ReadonlySet<string>>;
  /** Thumbprints of revoked certificates: they authenticate no one. */
  readonly revokedCertificates: ReadonlySet<string>;
  /** PEMs of every CA the TLS listener should ask for and validate paths to: the root and the active partners' anchors. */
  readonly caPems: readonly string[];
  /**
   * The shorter list for `caNames: 'roots'`: the platform root and the active partners' imported
   * anchors. Clients of certbound-held partner CAs then present their chain (leaf, partner CA).
   */
  readonly rootCaPems: readonly string[];
  readonly crls: RevocationLists;
  /**
   * The path from `cert` to one of the partner's own anchors, validated at `at` (RFC 5280 §6.1,
   * pki/path-validation.ts) with the certificates the client presented as mere candidates; or
   * why there is none. Remembered per (partner, every presented certificate) for this
   * registry's lifetime — its anchor set — and never past the path's earliest notAfter.
   */
  pathFor(cert: PeerCertificate, partnerId: string, at: Date): AnchorMatch | string;
  /**
   * The scopes `client` may have in a token for `resourceUri`: those of its own registration
   * for the resource and of every grant to it or its partner, within the resource's scopes;
   * null when nothing grants the resource to the client.
   */
  allowedScopes(client: Client, resourceUri: string): readonly string[] | null;
  /** Tokens of `client` issued at or before this time (seconds) are revoked; -Infinity when none are. */
  tokenCutoff(client: Client): number;
}

const MEMO_LIMIT = 10_000;

/** Refusals are remembered briefly: a not-yet-valid certificate may become valid. */
const FAILURE_MEMO_MS = 60_000;

interface Memo {
  readonly result: AnchorMatch | string;
  /** The span of time (ms) the result holds for: a valid path's common validity period. */
  readonly from: number;
  readonly until: number;
}

/** Every certificate the client presented, by fingerprint, leaf first: what a remembered verdict is keyed by. */
const presentedKeys = new WeakMap<PeerCertificate, string>();
function presentedKey(cert: PeerCertificate): string {
  let key = presentedKeys.get(cert);
  if (key === undefined) {
    key = [cert.x509.fingerprint256, ...(cert.issuers?.() ?? []).map((c) => c.fingerprint256)].join(',');
    presentedKeys.set(cert, key);
  }
  return key;
}

let generations = 0;

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** Reads the registry from the store into memory. */
export async function loadRegistry(store: Store, crls: RevocationLists = NO_CRLS): Promise<Registry> {
  const [clients, partners, resources, authorities, certificates, grants, revoked, cutoffs] = await Promise.all([
    store.listClients(),
    store.listPartners(),
    store.listResources(),
    store.listAuthorities(),
    store.listClientCertificates(),
    store.listGrants(),
    store.listRevokedCertificates(),
    store.listTokenCutoffs(),
  ]);
  // A disabled partner's anchors leave the trust set: not named to peers, and nothing chains to them.
  const active = new Set(partners.filter((p) => p.status === 'active').map((p) => p.id));
  const trusted = authorities.filter((ca) => ca.partnerId === null || active.has(ca.partnerId));
  const anchorList: Anchor[] = trusted.flatMap((ca) =>
    ca.partnerId === null
      ? []
      : [{ authorityId: ca.id, partnerId: ca.partnerId, x509: new X509Certificate(ca.certPem), fingerprint: ca.fingerprint, crlSource: ca.crlSource }],
  );
  const anchors = groupBy(anchorList, (a) => a.partnerId);
  const selfSigned = new Map(
    [...groupBy(certificates.filter((c) => c.retiredAt === null), (c) => c.clientId)].map(([id, list]) => [id, new Set(list.map((c) => c.thumbprint))]),
  );
  // Per (resource, partner): a token request looks at its own partner's grants only, however many partners there are.
  const grantsOf = groupBy(grants, (g: Grant) => `${g.resourceUri}\n${g.partnerId}`);
  const resourceMap = new Map(resources.map((r) => [r.uri, r]));
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  const clientCutoffs = new Map(cutoffs.filter((c) => c.subjectKind === 'client').map((c) => [c.subjectId, seconds(c.cutoff)]));
  const partnerCutoffs = new Map(cutoffs.filter((c) => c.subjectKind === 'partner').map((c) => [c.subjectId, seconds(c.cutoff)]));
  const memo = new Map<string, Memo>();

  return {
    generation: ++generations,
    clients: new Map(clients.map((c) => [c.id, c])),
    partners: new Map(partners.map((p) => [p.id, p])),
    resources: resourceMap,
    anchors,
    selfSigned,
    revokedCertificates: new Set(revoked.map((r) => r.thumbprint)),
    caPems: trusted.map((ca) => ca.certPem),
    rootCaPems: trusted.filter((ca) => ca.partnerId === null || ca.keyPkcs8 === null).map((ca) => ca.certPem),
    crls,
    pathFor(cert, partnerId, at) {
      const key = `${partnerId}\n${presentedKey(cert)}`;
      const now = at.getTime();
      const known = memo.get(key);
      if (known && known.from <= now && now <= known.until) return known.result;
      const outcome = validatePath({ leaf: cert.x509, candidates: cert.issuers?.() ?? [], anchors: anchors.get(partnerId) ?? [], at });
      const result: AnchorMatch | string = outcome.valid
        ? { anchor: outcome.anchor, child: outcome.path.at(-2)!.x509, thumbprints: outcome.path.map((c) => c.thumbprint) }
        : outcome.reason;
      // Signature checks cost ~60 µs each; for the same certificates and anchor set the answer holds until the path expires.
      if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
      memo.set(key, outcome.valid ? { result, from: outcome.notBefore, until: outcome.notAfter } : { result, from: now, until: now + FAILURE_MEMO_MS });
      return result;
    },
    allowedScopes(client, resourceUri) {
      const sources: (readonly string[])[] = [];
      if (client.resources.includes(resourceUri)) sources.push(client.scopes);
      for (const g of grantsOf.get(`${resourceUri}\n${client.partnerId}`) ?? []) {
        if (g.clientId === null || g.clientId === client.id) sources.push(g.scopes);
      }
      if (sources.length === 0) return null;
      const defined = resourceMap.get(resourceUri)?.scopes ?? [];
      const union = [...new Set(sources.flat())];
      return defined.length === 0 ? union : union.filter((s) => defined.includes(s));
    },
    tokenCutoff(client) {
      return Math.max(clientCutoffs.get(client.id) ?? -Infinity, partnerCutoffs.get(client.partnerId) ?? -Infinity);
    },
  };
}

/** Whether an anchor's CRL lists the certificate it signed on this path; null when the CRL is unavailable. */
export function revokedByCrl(match: AnchorMatch, crls: RevocationLists): boolean | null {
  const serials = crls.revokedSerials(match.anchor);
  return serials === null ? null : serials.has(canonicalSerial(match.child.serialNumber));
}
