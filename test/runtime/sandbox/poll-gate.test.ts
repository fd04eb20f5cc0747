// Whether polling a mailbox pays: the rule against other processes' load, and this process's own
// share of the load, averaged as the kernel averages it.
import { describe, expect, it } from 'vitest';
import { SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE } from '../../../runtime/constants.js';
import { OwnLoad, pollingPays, pollingPaysAt } from '../../../runtime/sandbox/poll-gate.js';

describe('poll gate', () => {
  it('polls only while other processes leave a core for it', () => {
    const bound = 4 * SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE;
    expect(pollingPaysAt(0, 4)).toBe(true);
    expect(pollingPaysAt(bound, 4)).toBe(true);
    expect(pollingPaysAt(bound + 0.01, 4)).toBe(false);
    expect(pollingPays('always')).toBe(true);
    expect(pollingPays('never')).toBe(false);
  });

  it('counts its own process out of the load: CPU use averaged like the 1-minute load average', () => {
    const cpu = (ms: number) => ({ user: ms * 1000, system: 0 });
    // Fed by hand: a process using two cores for a minute, then none for five.
    const start = 1000;
    const own = new OwnLoad(start, cpu(0));
    let used = 0;
    let average = 0;
    for (let s = 1; s <= 60; s++) average = own.update(start + s * 1000, cpu((used += 2000)));
    // After one time constant an exponential average has covered 1 - 1/e of the way.
    expect(average).toBeCloseTo(2 * (1 - Math.exp(-1)), 2);
    for (let s = 61; s <= 360; s++) average = own.update(start + s * 1000, cpu(used));
    expect(average).toBeCloseTo(2 * (1 - Math.exp(-1)) * Math.exp(-5), 3);
  });
});
