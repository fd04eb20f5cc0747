/**
 * A real S3-compatible server (s3rver) in a child process on 127.0.0.1, with an ephemeral port,
 * a temporary directory and S3's answer to `If-None-Match: *` (see s3rver-server.cjs), for every
 * test of anything on the S3 store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTempDir } from './temp-dir.js';

const serverScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-server.cjs');
const START_TIMEOUT_MS = 15_000;
/** Credentials s3rver accepts; the broker reads them from the standard AWS variables. */
const S3RVER_KEY = 'S3RVER';

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The first bucket created. */
  bucket: string;
  buckets: string[];
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** AWS_* variables for a broker child process. */
  env: NodeJS.ProcessEnv;
  /** The s3rver process, for tests that need to stop or kill it. */
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts s3rver with `buckets` created (one name or several). */
export async function startS3rver(buckets: string | string[] = 'sluice-test'): Promise<S3Server> {
  const names = typeof buckets === 'string' ? [buckets] : buckets;
  const directory = makeTempDir('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', serverScript, directory, ...names], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${stderr}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: names[0]!,
    buckets: names,
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
    env: { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_REGION: 'us-east-1' },
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      removeTempDir(directory);
    },
  };
}
