// s3rver ships no types; this is the slice of its API the test helper uses.
declare module 's3rver' {
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  interface S3rverContext {
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
    set(field: string, value: string): void;
    store: { existsObject(bucket: string, key: string): Promise<boolean> };
  }

  type Middleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

  class S3rver {
    constructor(options?: S3rverOptions);
    middleware: Middleware[];
    httpServer?: Server;
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
  export default S3rver;
}
