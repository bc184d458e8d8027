import { assertIssuer } from '../src/server/metadata.ts';
for (const i of ['https://localhost:8443?', 'https://user:pw@localhost:8443', 'https://localhost:8443/', 'https://LOCALHOST:8443']) {
  try { assertIssuer(i); console.log('accepted', i); } catch { console.log('refused', i); }
}
