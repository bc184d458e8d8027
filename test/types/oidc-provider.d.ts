// oidc-provider ships no TypeScript declarations (and @types/oidc-provider is not a dependency):
// the little of its API the interop test and the bench use, typed from its source (lib/provider.js, lib/index.js).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { Socket } from 'node:net';

  /** The Koa context oidc-provider hands to configuration functions. */
  export interface KoaContextWithOIDC {
    readonly socket: Socket;
    readonly method: string;
    readonly path: string;
  }

  /** Provider configuration; see the documentation of oidc-provider's `configuration`. */
  export interface Configuration {
    readonly [name: string]: unknown;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** The Koa application as a node:http request listener. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export const errors: {
    readonly InvalidTarget: new (description?: string) => Error;
  };

  export default Provider;
}
