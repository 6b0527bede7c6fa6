import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesceProgress } from '../../src/actors/progress-coalescer.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('progress text from a backend is coalesced', () => {
  it('a flood becomes at most one text per 100 ms, always the latest, and the rest is counted', () => {
    const sent: [number, string][] = [];
    const start = Date.now();
    const progress = coalesceProgress((text) => sent.push([Date.now() - start, text]));
    // 10 000 items over one second, as a per-item progress callback would write them
    for (let item = 1; item <= 10_000; item++) {
      progress.push(`item ${item}`);
      if (item % 100 === 0) vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1_000);
    expect(sent[0]).toEqual([0, 'item 1']);
    expect(sent.at(-1)?.[1]).toBe('item 10000');
    expect(sent.length).toBeLessThanOrEqual(11);
    const times = sent.map(([at]) => at);
    for (let index = 1; index < times.length; index++) expect((times[index] as number) - (times[index - 1] as number)).toBeGreaterThanOrEqual(100);
    expect(progress.dropped).toBe(10_000 - sent.length);
  });

  it('a slow backend is not delayed: each text goes out at once when the last is older than the interval', () => {
    const sent: string[] = [];
    const progress = coalesceProgress((text) => sent.push(text));
    for (const text of ['loading', 'warming', 'serving']) {
      progress.push(text);
      expect(sent.at(-1)).toBe(text);
      vi.advanceTimersByTime(150);
    }
    expect(progress.dropped).toBe(0);
  });

  it('flush sends what waits at once (READY=1 never waits for the timer); dispose drops it', () => {
    const sent: string[] = [];
    const progress = coalesceProgress((text) => sent.push(text));
    progress.push('a');
    progress.push('b');
    progress.flush();
    expect(sent).toEqual(['a', 'b']);
    vi.advanceTimersByTime(500);
    expect(sent).toEqual(['a', 'b']);
    progress.push('c');
    progress.push('d');
    progress.dispose();
    vi.advanceTimersByTime(500);
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
