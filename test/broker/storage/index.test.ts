import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('storage index', () => {
  it('loads neither the AWS SDK nor prom-client until an S3 request (or a metrics registry) needs them', () => {
    const built = fileURLToPath(new URL('../../../dist/broker/storage/index.js', import.meta.url));
    expect(existsSync(built), `${built} missing: run npm run build first`).toBe(true);
    const script = `
      const { createRequire } = await import('node:module');
      const cache = createRequire(${JSON.stringify(built)}).cache;
      const loaded = (name) => Object.keys(cache).filter((k) => k.includes('/node_modules/' + name + '/')).length;
      const m = await import(${JSON.stringify(built)});
      const store = m.createStore({ bucket: 's3://bucket/x', s3Endpoint: 'http://127.0.0.1:9' });
      const before = { sdk: loaded('@aws-sdk'), prom: loaded('prom-client') };
      await store.list('').catch(() => {});
      console.log(JSON.stringify({ before, sdkAfter: loaded('@aws-sdk') }));
      await store.close();`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
    });
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout) as { before: { sdk: number; prom: number }; sdkAfter: number };
    expect(r.before).toEqual({ sdk: 0, prom: 0 });
    expect(r.sdkAfter).toBeGreaterThan(0);
  });
});
