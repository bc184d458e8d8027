// The floor: a bare node:https server with the same certificate and client-certificate request
// as the others, answering a fixed small JSON to POST /token once it has read the body. No
// OAuth work at all: what TLS + HTTP alone cost on this machine.
import { createServer } from 'node:https';
import { FLOOR_BODY, listenAndAnnounce, readConfig, tlsOptions } from './config.ts';

const config = readConfig();
const server = createServer(tlsOptions(config), (req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/token') res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(FLOOR_BODY);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
  });
});
listenAndAnnounce(server);
