// A pool of distinct access tokens for the guard's cold measurement, minted by the certbound
// token service of the comparison over keep-alive mTLS connections before anything is timed.
import { Agent, request } from 'node:https';
import type { Target } from './load.ts';

function mintOne(target: Target, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: target.port, servername: 'localhost', method: 'POST', path: target.path, headers: { ...target.headers, host: `localhost:${target.port}` }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        const token = res.statusCode === 200 ? (JSON.parse(text) as { access_token?: unknown }).access_token : undefined;
        if (typeof token === 'string') resolve(token);
        else reject(new Error(`minting a token: status ${res.statusCode}`));
      });
    });
    req.once('error', reject);
    req.end(target.body);
  });
}

/** Mints `count` tokens with `concurrency` keep-alive connections. */
export async function mintTokens(target: Target, count: number, concurrency = 16): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, cert: target.cert, key: target.key, ca: target.ca });
  const tokens: string[] = [];
  try {
    const loop = async () => {
      while (tokens.length < count) tokens.push(await mintOne(target, agent));
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    agent.destroy();
  }
  return tokens.slice(0, count);
}
