import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, SUPPORTED_VERSIONS } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { createHandlers, type HandlerContext } from '../../../broker/handlers/index.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
beforeAll(async () => {
  t = await startTestBroker();
});
afterAll(async () => {
  await t?.stop();
});

describe('ApiVersions', () => {
  it.each([0, 1, 2, 3])('v%i advertises exactly SUPPORTED_VERSIONS', async (v) => {
    const c = await t.client();
    const res = await c.request(ApiKey.ApiVersions, v, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const advertised = res.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]).sort((a, b) => a[0]! - b[0]!);
    const table = SUPPORTED_VERSIONS.map((r) => [r.apiKey, r.min, r.max]).sort((a, b) => a[0]! - b[0]!);
    expect(advertised).toEqual(table);
  });

  it('every advertised API has a handler (an advertised API without one would close connections)', () => {
    const table = createHandlers({} as HandlerContext);
    const missing = SUPPORTED_VERSIONS.filter((r) => !(r.apiKey in table)).map((r) => r.apiKey);
    expect(missing).toEqual([]);
  });

  it('ListGroups answers with the groups this broker holds', async () => {
    const c = await t.client();
    const list = await c.request(ApiKey.ListGroups, 0, {});
    expect(list.errorCode).toBe(ErrorCode.NONE);
    expect(list.groups).toEqual([]);
  });
});
