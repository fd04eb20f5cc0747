/**
 * The broker's admin API: HTTP/JSON on the Kafka port (the listener tells the two apart by the
 * first bytes, server.ts), so every control command needs only the broker's address. Modules are
 * uploaded as their .wasm bytes; attachments are changed here and kept in the manifest.
 *
 *   GET    /v1/modules                      module entries
 *   GET    /v1/modules/<name>               one entry and the attachments that run it
 *   GET    /v1/modules/<name>/binary        the .wasm bytes (a one-off transform in the CLI)
 *   PUT    /v1/modules/<name>               body: .wasm; validated, then stored (201)
 *   DELETE /v1/modules/<name>               refused (409) while attached
 *   GET    /v1/attachments                  every attachment with its status
 *   GET    /v1/attachments/<kind>/<name>    one (kind: view or produce)
 *   POST   /v1/attachments                  body: AttachRequest JSON (201)
 *   DELETE /v1/attachments/<kind>/<name>    (kind: view, produce or derived)
 *   GET    /v1/pipelines                    every derived topic's pipeline with its status
 *   GET    /v1/pipelines/<name>             one
 *   POST   /v1/pipelines/<name>/pause       stop it where it is (kept across restarts)
 *   POST   /v1/pipelines/<name>/resume      start it again, also after a halt
 *
 * Errors are `{"error": {"code", "message"}}` with a 4xx/5xx status; the message is one line.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { MODULE_MAX_BYTES } from '../../runtime/constants.js';
import { ModuleNotFoundError } from '../../runtime/index.js';
import { ADMIN_JSON_BODY_MAX_BYTES } from '../constants.js';
import type { AttachmentInfo, AttachmentKind, Log } from '../log/index.js';
import type { PipelineManager } from '../pipelines/pipeline-manager.js';
import { pipelineStatus } from '../pipelines/pipeline-status.js';
import {
  AttachError, attachModule, attachmentStatus, attachmentsUsing, detachModule, type AttachLog, type AttachRequest,
} from '../smartmodules/attach.js';
import type { ModuleHost } from '../smartmodules/module-host.js';

export interface AdminContext {
  log: AttachLog & Pick<Log, 'pausePipeline'>;
  host: ModuleHost;
  pipelines: PipelineManager;
  logger: Logger;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      reject(new HttpError(413, 'too_large', `body of ${declared} bytes exceeds the ${maxBytes}-byte limit`));
      req.resume();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new HttpError(413, 'too_large', `body exceeds the ${maxBytes}-byte limit`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, ADMIN_JSON_BODY_MAX_BYTES);
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new HttpError(400, 'bad_request', `request body is not a JSON object: ${(err as Error).message}`);
  }
}

function kindOf(s: string): AttachmentKind {
  if (s === 'view' || s === 'produce' || s === 'derived') return s;
  throw new HttpError(404, 'not_found', `unknown attachment kind ${JSON.stringify(s)}; expected view, produce or derived`);
}

function notAttached(kind: AttachmentKind, name: string): HttpError {
  return new HttpError(404, 'not_attached', kind === 'view' ? `no view named ${JSON.stringify(name)}` : kind === 'produce' ? `topic ${JSON.stringify(name)} has no produce check` : `no pipeline writes ${JSON.stringify(name)}`);
}

function attachRequestOf(body: Record<string, unknown>): AttachRequest {
  const str = (k: string, required: boolean): string | undefined => {
    const v = body[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string') throw new HttpError(400, 'bad_request', `${k}: expected a string`);
    return v;
  };
  const paramsOf = (v: unknown, what: string): Record<string, string> => {
    if (v === undefined) return {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'bad_request', `${what}: expected an object of strings`);
    return v as Record<string, string>;
  };
  const then = body['then'] ?? [];
  if (!Array.isArray(then)) throw new HttpError(400, 'bad_request', 'then: expected a list of {module, params}');
  const onError = str('onError', false);
  const optional = (k: string): Record<string, string> => (body[k] !== undefined ? { [k]: str(k, true)! } : {});
  return {
    kind: kindOf(str('kind', true)!),
    module: str('module', true)!,
    topic: str('topic', true)!,
    ...optional('as'),
    ...optional('to'),
    ...optional('start'),
    ...optional('deadLetterTopic'),
    params: paramsOf(body['params'], 'params'),
    then: then.map((t: unknown, i: number) => {
      const step = t as { module?: unknown; params?: unknown };
      if (typeof step?.module !== 'string') throw new HttpError(400, 'bad_request', `then[${i}].module: expected a string`);
      return { module: step.module, params: paramsOf(step.params, `then[${i}].params`) };
    }),
    ...(onError !== undefined ? { onError: onError as AttachRequest['onError'] } : {}),
    replace: body['replace'] === true,
  };
}

async function route(ctx: AdminContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (parts[0] !== 'v1') throw new HttpError(404, 'not_found', `no such endpoint ${path}; the admin API is under /v1`);
  const { host, log } = ctx;
  if (parts[1] === 'modules') {
    if (parts.length === 2 && method === 'GET') return send(res, 200, await host.registry.list());
    const name = parts[2];
    if (name === undefined) throw new HttpError(405, 'method_not_allowed', `${method} ${path} is not supported`);
    if (parts.length === 4 && parts[3] === 'binary' && method === 'GET') {
      const entry = await host.registry.entry(name);
      const module = await host.module(entry.id, entry.name);
      res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': module.bytes.byteLength }).end(module.bytes);
      return;
    }
    if (parts.length !== 3) throw new HttpError(404, 'not_found', `no such endpoint ${path}`);
    if (method === 'GET') {
      const entry = await host.registry.entry(name);
      return send(res, 200, { ...entry, attachments: attachmentsUsing(log, name, entry.id).map((a) => ({ kind: a.kind, name: a.name })) });
    }
    if (method === 'PUT') {
      const bytes = await readBody(req, MODULE_MAX_BYTES);
      return send(res, 201, await host.registry.create(name, bytes));
    }
    if (method === 'DELETE') {
      const entry = await host.registry.entry(name);
      const using = attachmentsUsing(log, name, entry.id);
      if (using.length > 0) {
        throw new HttpError(409, 'attached', `module ${name} is attached (${using.map((a) => (a.kind === 'view' ? `view ${a.name}` : `produce check on ${a.name}`)).join(', ')}); detach it first`);
      }
      await host.registry.delete(name);
      return send(res, 200, { deleted: name });
    }
  }
  if (parts[1] === 'attachments') {
    if (parts.length === 2 && method === 'GET') return send(res, 200, log.listAttachments().map((a) => attachmentStatus(host, a)));
    if (parts.length === 2 && method === 'POST') {
      const created = await attachModule(host, log, attachRequestOf(await readJson(req)));
      ctx.logger.info({ kind: created.kind, name: created.name, source: created.source, module: created.module.name, moduleId: created.module.id }, 'module attached');
      if (created.kind === 'derived') await ctx.pipelines.refresh();
      return send(res, 201, attachmentStatus(host, created));
    }
    if (parts.length === 4) {
      const kind = kindOf(parts[2]!);
      const name = parts[3]!;
      if (method === 'GET') {
        const a = log.getAttachment(kind, name);
        if (a === undefined) throw notAttached(kind, name);
        return send(res, 200, attachmentStatus(host, a));
      }
      if (method === 'DELETE') {
        const detached = await detachModule(host, log, kind, name);
        ctx.logger.info({ kind, name, module: detached.module.name }, 'module detached');
        if (kind === 'derived') await ctx.pipelines.refresh();
        return send(res, 200, { detached: name, kind });
      }
    }
  }
  if (parts[1] === 'pipelines') {
    const derived = (): AttachmentInfo[] => log.listAttachments().filter((a) => a.kind === 'derived');
    if (parts.length === 2 && method === 'GET') return send(res, 200, derived().map((a) => pipelineStatus(ctx.pipelines, log, host, a)));
    const name = parts[2];
    const info = name === undefined ? undefined : log.getAttachment('derived', name);
    if (name === undefined || info === undefined) throw notAttached('derived', name ?? '');
    if (parts.length === 3 && method === 'GET') return send(res, 200, pipelineStatus(ctx.pipelines, log, host, info));
    if (parts.length === 4 && method === 'POST' && (parts[3] === 'pause' || parts[3] === 'resume')) {
      const after = await log.pausePipeline(name, parts[3] === 'pause');
      ctx.logger.info({ pipeline: name }, parts[3] === 'pause' ? 'pipeline paused' : 'pipeline resumed');
      await ctx.pipelines.refresh();
      return send(res, 200, pipelineStatus(ctx.pipelines, log, host, after));
    }
  }
  throw new HttpError(404, 'not_found', `no such endpoint ${method} ${path}`);
}

/** The admin API as a node:http request listener. */
export function createAdminHandler(ctx: AdminContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(ctx, req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError || err instanceof AttachError) return send(res, err.status, { error: { code: err.code, message: err.message } });
      if (err instanceof ModuleNotFoundError) return send(res, 404, { error: { code: 'unknown_module', message: err.message } });
      if (err instanceof Error && (err.name === 'ModuleValidationError' || err.name === 'ModuleNameError')) {
        return send(res, 400, { error: { code: 'invalid_module', message: err.message.split('\n')[0] } });
      }
      if (err instanceof Error && 'retriable' in err && typeof err.retriable === 'boolean') {
        // A log error (fenced, storage, a name taken meanwhile): its message says what.
        return send(res, err.retriable ? 503 : 409, { error: { code: err.name, message: err.message } });
      }
      ctx.logger.error({ err }, 'admin API request failed');
      send(res, 500, { error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } });
    });
  };
}
