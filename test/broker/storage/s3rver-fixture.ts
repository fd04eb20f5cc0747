/**
 * A real S3-compatible server (s3rver) in a child process on 127.0.0.1 with an
 * ephemeral port and a temporary directory, for tests of anything on the S3 store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serverScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/s3rver-server.cjs');
const START_TIMEOUT_MS = 15_000;

export interface S3rverHandle {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  buckets: string[];
  /** s3rver's fixed credentials. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The s3rver process, for tests that need to stop or kill it. */
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startS3rver(buckets: string[] = ['sluice-test']): Promise<S3rverHandle> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', serverScript, directory, ...buckets], {
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
    buckets,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
