/**
 * The CLI's side of the broker's admin API (broker/admin/admin-api.ts): HTTP/JSON on the same
 * address as Kafka, so `--bootstrap host:port` is all a control command needs.
 */
import { CliError } from './cli-error.js';
import { parseBootstrap } from './kafka-client/kafka-client.js';
import { parseParamArgs } from '../runtime/index.js';

/** A control request that gets no answer in this long has failed. */
const ADMIN_REQUEST_TIMEOUT_MS = 60_000;

function baseUrl(bootstrap: string): string {
  let addr;
  try {
    addr = parseBootstrap(bootstrap);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `http://${host}:${addr.port}`;
}

/** One admin request; a 4xx/5xx answer becomes a CliError carrying the broker's one-line message. */
export async function adminRequest<T>(bootstrap: string, method: string, path: string, body?: Uint8Array | object): Promise<T> {
  const url = baseUrl(bootstrap) + path;
  const init: RequestInit = { method, signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS) };
  if (body instanceof Uint8Array) {
    init.body = new Blob([body as Uint8Array<ArrayBuffer>]);
    init.headers = { 'content-type': 'application/wasm' };
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach the broker at ${bootstrap}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    if (type.includes('json')) {
      const err = (await res.json()) as { error?: { message?: string } };
      if (typeof err.error?.message === 'string') message = err.error.message;
    }
    throw new CliError(message);
  }
  if (type.includes('json')) return (await res.json()) as T;
  return new Uint8Array(await res.arrayBuffer()) as T;
}

/** Parses repeated `--param k=v` flags; a bad one is a usage error. */
export function paramsOf(pairs: string[] | undefined): Record<string, string> {
  try {
    return parseParamArgs(pairs ?? []);
  } catch (err) {
    throw new CliError(`--param: ${(err as Error).message}`, 2);
  }
}
