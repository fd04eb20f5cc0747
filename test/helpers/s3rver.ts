import S3rver from 's3rver';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** Credentials s3rver accepts; the broker reads them from the standard AWS variables. */
const S3RVER_KEY = 'S3RVER';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** AWS_* variables for a broker child process. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * s3rver 3.7 ignores `If-None-Match: *` on PUT, which real S3 honours (412 PreconditionFailed) and which
 * the manifest's putIfAbsent relies on. This middleware gives it S3's answer so the fencing path is real.
 */
function conditionalPut(server: S3rver): void {
  server.middleware.unshift(async (ctx, next) => {
    if (ctx.method === 'PUT' && ctx.headers['if-none-match'] === '*') {
      const parts = ctx.path.split('/').slice(1);
      const bucket = decodeURIComponent(parts[0] ?? '');
      const key = parts.slice(1).map(decodeURIComponent).join('/');
      if (bucket && key && (await ctx.store.existsObject(bucket, key))) {
        ctx.status = 412;
        ctx.set('Content-Type', 'application/xml');
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
          '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
          '<Condition>If-None-Match</Condition></Error>';
        return;
      }
    }
    await next();
  });
}

/** Starts s3rver on 127.0.0.1 (ephemeral port) over a temp dir, with `bucket` created. */
export async function startS3rver(bucket = 'sluice-test'): Promise<S3Server> {
  const directory = makeTempDir('s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Path-style requests only (the S3 store sets forcePathStyle for custom endpoints).
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  conditionalPut(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      removeTempDir(directory);
    },
  };
}
