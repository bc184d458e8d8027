// `npm run bench`: the in-process micro ratios (each against a baseline measured beside it), then
// the side-by-side comparison with oidc-provider and a bare mTLS floor (bench/compare.ts), which
// prints the table and every target of issue 11 §3 and writes bench/results/latest.json.
// The micro ratios run first: the comparison pins this process to core 1 for its loader.
import { CONNECTIONS, SECONDS } from './measure.ts';

const started = performance.now();
console.log(`certbound bench (${SECONDS}s per micro measurement, ${CONNECTIONS} keep-alive mTLS connections, node ${process.version})\n`);
await import('./token.ts');
await import('./guard.ts');
await import('./handshake.ts');
await import('./gateway.ts');
console.log('');
await import('./compare.ts');
console.log('');
await import('./flat.ts');
console.log(`\nnpm run bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
