// @vitest-environment happy-dom
import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { BackendProvider, type StatusSource, useBackendPort, useBackendSelector, useBackendStatus, useBackendUrl } from '../../src/react/index.js';

let clock = 0;
function status(overrides: Partial<BackendStatusInfo>): BackendStatusInfo {
  clock += 1;
  return { status: 'running', port: 1733, timestamp: new Date(clock * 1000).toISOString(), phase: 'running', restarts: 0, sequence: clock, ...overrides };
}

/** A bridge the test drives: push() is what the main process would broadcast. */
function fakeBridge(initial: BackendStatusInfo) {
  const listeners = new Set<(s: BackendStatusInfo) => void>();
  let answer: (s: BackendStatusInfo) => void = () => {};
  const bridge: StatusSource = {
    getStatus: () => new Promise((resolve) => (answer = resolve)),
    onStatusChanged: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    bridge,
    listeners,
    answerInitial: () => act(() => answer(initial)),
    push: (next: BackendStatusInfo) =>
      act(() => {
        for (const listener of listeners) listener(next);
      }),
  };
}

describe('backend-lifecycle/react', () => {
  it('follows the port across a restart; a component re-renders only when its selected value changes', async () => {
    const fake = fakeBridge(status({ port: 1733 }));
    const renders = { port: 0, restarts: 0 };
    function Port() {
      renders.port++;
      return <p>port {useBackendPort()}</p>;
    }
    function Url() {
      return <p>url {useBackendUrl() ?? 'none'}</p>;
    }
    function Restarts() {
      renders.restarts++;
      return <p>restarts {useBackendSelector((s) => s?.restarts ?? 0)}</p>;
    }
    render(
      <BackendProvider bridge={fake.bridge}>
        <Port />
        <Url />
        <Restarts />
      </BackendProvider>,
    );
    expect(screen.getByText('url none')).toBeTruthy();
    await fake.answerInitial();
    expect(screen.getByText('port 1733')).toBeTruthy();
    expect(screen.getByText('url http://127.0.0.1:1733')).toBeTruthy();
    const before = { ...renders };
    await fake.push(status({ phase: 'running', restarts: 0, pid: 99 })); // same port, same restarts
    expect(renders).toEqual(before);
    await fake.push(status({ status: 'starting', phase: 'starting.spawning', port: 1734, restarts: 1 }));
    expect(screen.getByText('port 1734')).toBeTruthy();
    expect(screen.getByText('url http://127.0.0.1:1734')).toBeTruthy();
    expect(renders).toEqual({ port: before.port + 1, restarts: before.restarts + 1 });
  });

  it('a late answer to getStatus() never rolls back a newer pushed status', async () => {
    const fake = fakeBridge(status({ status: 'starting', phase: 'starting.spawning', port: 0 }));
    function Status() {
      return <p>{useBackendStatus()?.status ?? 'unknown'}</p>;
    }
    render(
      <BackendProvider bridge={fake.bridge}>
        <Status />
      </BackendProvider>,
    );
    await fake.push(status({ status: 'running' }));
    await fake.answerInitial();
    expect(screen.getByText('running')).toBeTruthy();
  });

  it('unsubscribes on unmount and explains a missing provider', async () => {
    const fake = fakeBridge(status({}));
    const { unmount } = render(
      <BackendProvider bridge={fake.bridge}>
        <p>child</p>
      </BackendProvider>,
    );
    expect(fake.listeners.size).toBe(1);
    unmount();
    expect(fake.listeners.size).toBe(0);
    function Orphan() {
      useBackendPort();
      return null;
    }
    expect(() => render(<Orphan />)).toThrow('backend-lifecycle/react: hooks need a <BackendProvider bridge={…}> above them');
  });
});
