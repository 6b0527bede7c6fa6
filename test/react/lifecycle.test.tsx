// @vitest-environment happy-dom
// Issue 19, item 7: a replaced supervisor, StrictMode and effect re-runs, one client per provider,
// a memoised context, IPv6 hosts.
import { act, fireEvent, render, screen } from '@testing-library/react';
import { memo, StrictMode, useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { BackendBridge } from '../../src/electron/bridge-types.js';
import type { BackendClient } from '../../src/electron/renderer.js';
import type { BackendStatusInfo } from '../../src/index.js';
import { BackendProvider, useBackendClient, useBackendStatus, useBackendUrl } from '../../src/react/index.js';

function status(overrides: Partial<BackendStatusInfo>): BackendStatusInfo {
  return { status: 'running', port: 1733, timestamp: new Date(0).toISOString(), phase: 'running', restarts: 0, sequence: 1, ...overrides };
}

/** An Electron-shaped bridge whose proxy answers every request with 200 "ok" and counts listeners. */
function fakeElectronBridge(initial: BackendStatusInfo) {
  const listeners = new Set<(s: BackendStatusInfo) => void>();
  const bridge = {
    getStatus: async () => initial,
    onStatusChanged: (listener: (s: BackendStatusInfo) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getConnection: async () => ({ baseUrl: 'http://127.0.0.1:1733', port: 1733, headers: {} }),
    request: (_request: unknown, sink: Parameters<BackendBridge['request']>[1]) => {
      queueMicrotask(() => {
        sink.head(200, '', []);
        sink.chunk(new TextEncoder().encode('ok'));
        sink.end();
      });
      return { sendBody() {}, endBody() {}, cancel() {} };
    },
  } as unknown as BackendBridge;
  return {
    bridge,
    listeners,
    push: (next: BackendStatusInfo) =>
      act(() => {
        for (const listener of listeners) listener(next);
      }),
  };
}

describe('backend-lifecycle/react across lifecycles', () => {
  it("after main swaps in a new supervisor (numbered from 1 again), the provider shows the new one's statuses", async () => {
    const fake = fakeElectronBridge(status({ status: 'running', sequence: 9, supervisor: 100 }));
    function Status() {
      return <p>{useBackendStatus()?.status ?? 'unknown'}</p>;
    }
    render(
      <BackendProvider bridge={fake.bridge}>
        <Status />
      </BackendProvider>,
    );
    await act(async () => {});
    await fake.push(status({ status: 'stopped', phase: 'stopped', sequence: 12, supervisor: 100 }));
    expect(screen.getByText('stopped')).toBeTruthy();
    await fake.push(status({ status: 'starting', phase: 'starting.spawning', sequence: 2, supervisor: 101 }));
    expect(screen.getByText('starting')).toBeTruthy();
    await fake.push(status({ status: 'running', sequence: 3, supervisor: 101 }));
    expect(screen.getByText('running')).toBeTruthy();
    // a late status of the replaced supervisor cannot roll the view back
    await fake.push(status({ status: 'stopped', phase: 'stopped', sequence: 13, supervisor: 100 }));
    expect(screen.getByText('running')).toBeTruthy();
  });

  it("useBackendClient survives StrictMode's effect re-runs, is one per provider, and leaks no listener", async () => {
    const fake = fakeElectronBridge(status({}));
    const clients = new Set<BackendClient>();
    const texts: string[] = [];
    function Fetcher({ index }: { index: number }) {
      const client = useBackendClient();
      clients.add(client);
      return (
        <button type="button" onClick={() => void client.fetch('/api/items').then(async (response) => texts.push(`${index} ${await response.text()}`))}>
          fetch {index}
        </button>
      );
    }
    const { unmount } = render(
      <StrictMode>
        <BackendProvider bridge={fake.bridge}>
          {Array.from({ length: 12 }, (_, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list
            <Fetcher key={index} index={index} />
          ))}
        </BackendProvider>
      </StrictMode>,
    );
    await act(async () => {});
    expect(clients.size).toBe(1);
    const [client] = clients;
    // the client works after StrictMode ran its cleanup once: connection() follows statuses again
    expect((await (client as BackendClient).connection()).port).toBe(1733);
    await act(async () => fireEvent.click(screen.getByText('fetch 3')));
    await act(async () => {});
    expect(texts).toEqual(['3 ok']);
    unmount();
    // only the provider's own subscription existed, and it is gone with the client's
    expect(fake.listeners.size).toBe(0);
  });

  it('the context value is memoised: a memo consumer does not re-render when the parent does', async () => {
    const fake = fakeElectronBridge(status({}));
    let renders = 0;
    const Consumer = memo(function Consumer() {
      renders += 1;
      return <p>url {useBackendUrl() ?? 'none'}</p>;
    });
    let rerender: () => void = () => {};
    function Parent() {
      const [count, setCount] = useState(0);
      rerender = () => setCount(count + 1);
      return (
        <BackendProvider bridge={fake.bridge}>
          <Consumer />
          <p>count {count}</p>
        </BackendProvider>
      );
    }
    render(<Parent />);
    await act(async () => {});
    const before = renders;
    await act(async () => rerender());
    expect(screen.getByText('count 1')).toBeTruthy();
    expect(renders).toBe(before);
  });

  it('useBackendUrl puts an IPv6 host in brackets', async () => {
    const fake = fakeElectronBridge(status({ port: 1733 }));
    function Url() {
      return <p>{useBackendUrl() ?? 'none'}</p>;
    }
    render(
      <BackendProvider bridge={fake.bridge} host="::1">
        <Url />
      </BackendProvider>,
    );
    await act(async () => {});
    expect(screen.getByText('http://[::1]:1733')).toBeTruthy();
  });
});
