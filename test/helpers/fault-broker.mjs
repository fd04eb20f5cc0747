#!/usr/bin/env node
// A real sluice broker (dist/, built by `npm run build`) whose local-directory store is wrapped in the
// seeded FaultInjectingStore: for over-the-wire fault tests. Faults are off while the broker recovers and
// switched on once it listens; SIGTERM switches them off again so the final flush can succeed.
// SIGUSR2 starts an outage: for --outage-ms every store call fails (odd signals) or loses its reply after
// writing (even signals), longer than the log's own retries, so producers see the errors. An outage is
// bounded in time, not calls: a log settling a doubt calls rarely and would otherwise never see the end.
// usage: fault-broker.mjs --data <dir> --seed <n> [--fail-probability p] [--lost-reply-probability p] [--delay-max-ms n]
//        [--outage-ms n] [--outage-prefix key-prefix] [--outage-kind alternate|fail|lost-reply]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    data: { type: 'string' },
    seed: { type: 'string' },
    'fail-probability': { type: 'string', default: '0.05' },
    'lost-reply-probability': { type: 'string', default: '0.05' },
    'delay-max-ms': { type: 'string', default: '0' },
    'outage-ms': { type: 'string', default: '250' },
    // Keys an outage hits ('' = all; 'manifest/' = only manifest entries) and its kind (alternate, fail, lost-reply).
    'outage-prefix': { type: 'string', default: '' },
    'outage-kind': { type: 'string', default: 'alternate' },
  },
});
if (values.data === undefined || values.seed === undefined) {
  process.stderr.write('fault-broker: --data and --seed are required\n');
  process.exit(2);
}
const dist = new URL('../../dist/broker/', import.meta.url);
const { startBroker } = await import(new URL('broker.js', dist).href);
const { loadBrokerConfig } = await import(new URL('config.js', dist).href);
const { LocalStore } = await import(new URL('storage/local-store.js', dist).href);
const { FaultInjectingStore } = await import(new URL('storage/fault-store.js', dist).href);

const seed = Number(values.seed);
const delayMaxMs = Number(values['delay-max-ms']);
const config = await loadBrokerConfig({ env: {}, flags: { host: values.host, port: values.port, data: values.data, logLevel: 'warn' } });
const store = new FaultInjectingStore(new LocalStore(values.data), {
  seed,
  failProbability: Number(values['fail-probability']),
  lostReplyProbability: Number(values['lost-reply-probability']),
  delayProbability: delayMaxMs > 0 ? 0.2 : 0,
  delayMs: { min: 0, max: delayMaxMs },
  enabled: false,
});
const broker = await startBroker(config, { store });
store.setEnabled(true);
process.stdout.write(`sluice fault broker (seed=${seed}) listening on ${broker.host}:${broker.port}\n`);

let outages = 0;
let outageTimer;
process.on('SIGUSR2', () => {
  outages++;
  store.clearKeyFaults();
  clearTimeout(outageTimer);
  const kind = values['outage-kind'] === 'alternate' ? (outages % 2 === 1 ? 'fail' : 'lost-reply') : values['outage-kind'];
  store.failKeys(values['outage-prefix'], { kind });
  outageTimer = setTimeout(() => store.clearKeyFaults(), Number(values['outage-ms']));
});

process.once('SIGTERM', () => {
  clearTimeout(outageTimer);
  store.clearKeyFaults();
  store.setEnabled(false);
  const counts = {};
  for (const e of store.events) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  process.stdout.write(`faults injected: ${JSON.stringify(counts)} over ${store.events.length} events, ${outages} outages\n`);
  broker.close().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`fault-broker: close failed: ${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
});
