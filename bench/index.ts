// `npm run bench`: every benchmark, one after the other (they share two cores).
import { CONNECTIONS, SECONDS } from './measure.ts';

console.log(`certbound bench (${SECONDS}s per measurement, ${CONNECTIONS} keep-alive mTLS connections, node ${process.version})\n`);
await import('./token.ts');
await import('./guard.ts');
await import('./handshake.ts');
await import('./gateway.ts');
