// The certbound guard (certbound/resource, node adapter) in front of the floor: the same server
// and answer as floor.ts, reached only with a valid access token bound to the connection's
// certificate. Its JWKS comes from the certbound token service of the comparison.
import { createServer } from 'node:https';
import { withGuard } from '../../../src/resource/adapters/node.ts';
import { createGuard } from '../../../src/resource/guard.ts';
import { FLOOR_BODY, listenAndAnnounce, readConfig, tlsOptions } from './config.ts';

const config = readConfig();
if (!config.issuer) throw new TypeError('the guard needs the issuer of the certbound token service');
const guard = createGuard({ issuer: config.issuer, ca: config.ca, audience: config.resource });
const guarded = withGuard(guard, (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(FLOOR_BODY), { scopes: [config.scope] });
const server = createServer(tlsOptions(config), (req, res) => {
  req.resume();
  req.on('end', () => void guarded(req, res));
});
listenAndAnnounce(server);
