// autocannon ships no TypeScript declarations: the little of its programmatic API the
// comparison uses, typed from its source (lib/run.js, lib/aggregateResult.js, lib/httpClient.js).
declare module 'autocannon' {
  export interface Request {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    /** Rewrites each request before it is sent; autocannon passes and expects its own request object. */
    readonly setupRequest?: (request: Record<string, unknown>) => Record<string, unknown>;
  }

  export interface Options extends Request {
    readonly url: string;
    readonly connections?: number;
    readonly pipelining?: number;
    /** Seconds. */
    readonly duration?: number;
    /** Milliseconds between samples; the run's end is noticed only at a sample. */
    readonly sampleInt?: number;
    readonly servername?: string;
    readonly tlsOptions?: Readonly<Record<string, unknown>>;
    readonly requests?: readonly Request[];
    readonly timeout?: number;
  }

  /** Percentiles in milliseconds (latency) or per second (requests). */
  export interface Histogram {
    readonly average: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly total: number;
  }

  export interface Result {
    readonly latency: Histogram;
    readonly requests: Histogram & { readonly sent: number };
    /** Seconds the run lasted. */
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
    readonly resets: number;
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
