export { MAX_CERTIFICATE_SIZE, MAX_CHAIN_LENGTH, MAX_HEADER_LENGTH, type ProxyCertificate } from './certificate.ts';
export { parseClientCert } from './rfc9440.ts';
export { parseXfcc, parseXfccElements, selectXfccElement, selectXfccElementBy, xfccElementCertificate, xfccParser, type XfccElement } from './xfcc.ts';
export { parseEscapedPem, parseEscapedPemChain } from './escaped-pem.ts';
export { parseTraefikCert } from './traefik.ts';
