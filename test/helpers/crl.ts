// CRLs as a partner's own CA would publish them: any dates (expired, future), no nextUpdate,
// extra extensions — signed with @peculiar/x509 directly, not through certbound's createCrl.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRootCa, loadIssuer, type CertifiedKey } from '../../src/pki/ca.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { Extension, SIGNING_ALGORITHM, X509CrlGenerator } from '../../src/pki/x509.ts';

export const DAY_MS = 86_400_000;

/** What to put in a test CRL. */
export interface TestCrl {
  readonly serials?: readonly string[];
  /** Default: an hour ago. */
  readonly thisUpdate?: Date;
  /** Default: a day after now; null for none. */
  readonly nextUpdate?: Date | null;
  readonly extensions?: readonly Extension[];
  readonly entryExtensions?: readonly Extension[];
}

/** Signs a DER CRL with `ca`'s key, naming `ca`'s subject as issuer. */
export async function signCrl(ca: CertifiedKey, crl: TestCrl = {}): Promise<Uint8Array> {
  const issuer = await loadIssuer(ca);
  const now = Date.now();
  const nextUpdate = crl.nextUpdate === undefined ? new Date(now + DAY_MS) : crl.nextUpdate;
  const signed = await X509CrlGenerator.create({
    issuer: issuer.certificate.subjectName,
    thisUpdate: crl.thisUpdate ?? new Date(now - 3_600_000),
    ...(nextUpdate === null ? {} : { nextUpdate }),
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [...(crl.extensions ?? [])],
    entries: (crl.serials ?? []).map((serialNumber) => ({
      serialNumber,
      revocationDate: new Date(now - 60_000),
      extensions: [...(crl.entryExtensions ?? [])],
    })),
  });
  return new Uint8Array(signed.rawData);
}

/** An extension with a DER INTEGER 0 value (e.g. deltaCRLIndicator 2.5.29.27). */
export function integerExtension(oid: string, critical: boolean): Extension {
  return new Extension(oid, critical, new Uint8Array([0x02, 0x01, 0x00]));
}

/** An https server on loopback that publishes CRLs, and the CA its certificate chains to. */
export interface CrlServer {
  /** `https://127.0.0.1:PORT` */
  readonly base: string;
  /** The CA (PEM) to trust for it: the token service's `crlFetchCa`, the cache's `fetchCa`. */
  readonly ca: string;
  close(): Promise<void>;
}

/** Starts an https CRL server answering with `handler`. */
export async function startCrlServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<CrlServer> {
  const ca = await createRootCa({ commonName: 'CRL host test CA' });
  const leaf = await issueCertificate(ca, { subject: 'CN=crl-host', usage: 'server', sans: [{ type: 'ip', value: '127.0.0.1' }] });
  const server = createHttpsServer({ cert: leaf.certPem, key: pkcs8ToPem(leaf.keyPkcs8!) }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: ca.certPem,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
