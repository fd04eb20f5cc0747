import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogLevel } from '../../broker/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('resolves the level from the option, then SLUICE_LOG_LEVEL, then the default', () => {
    expect(resolveLogLevel('debug', {})).toBe('debug');
    expect(resolveLogLevel(undefined, { SLUICE_LOG_LEVEL: 'WARN' })).toBe('warn');
    expect(resolveLogLevel('error', { SLUICE_LOG_LEVEL: 'trace' })).toBe('error');
    expect(resolveLogLevel(undefined, {})).toBe('info');
    expect(() => resolveLogLevel(undefined, { SLUICE_LOG_LEVEL: 'loud' })).toThrow(/SLUICE_LOG_LEVEL: "loud"/);
  });

  it('writes JSON lines with the base fields at or above its level', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', base: { node: 1 }, destination: out.stream });
    logger.debug('hidden');
    logger.info({ topic: 't' }, 'flushed');
    logger.child({ component: 'log' }).warn('slow');
    const lines = out.lines();
    expect(lines.map((l) => l.msg)).toEqual(['flushed', 'slow']);
    expect(lines[0]).toMatchObject({ node: 1, topic: 't', level: 30 });
    expect(lines[1]).toMatchObject({ node: 1, component: 'log', level: 40 });
  });

  it('writes to stderr, never stdout, by default', () => {
    const built = fileURLToPath(new URL('../../dist/broker/logger.js', import.meta.url));
    expect(existsSync(built), `${built} missing: run npm run build first`).toBe(true);
    const script = `import(${JSON.stringify(built)}).then((m) => m.createLogger().info('to-stderr'))`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, SLUICE_LOG_LEVEL: 'info' } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('to-stderr');
  });
});
