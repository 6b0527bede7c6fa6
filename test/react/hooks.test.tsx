// @vitest-environment happy-dom
import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import type { BackendBridge } from '../../src/electron/bridge-types.js';
import { BackendProvider, type StatusSource, useBackendClient, useBackendPort, useBackendSelector, useBackendStatus, useBackendUrl } from '../../src/react/index.js';

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

  it('useBackendClient fetches through the bridge\'s proxy (never asking for the key), and explains a bridge without one', async () => {
    const fake = fakeBridge(status({}));
    const requests: string[] = [];
    const notHere = () => Promise.reject(new Error('not used here'));
    const bridge: BackendBridge = {
      ...fake.bridge,
      getPort: notHere,
      execute: notHere,
      start: notHere,
      stop: notHere,
      restart: notHere,
      getSystemStatus: notHere,
      onServiceStatusChanged: () => () => {},
      getConnection: () => Promise.reject(new Error('the proxied client must not ask for the key')),
      request: (request, sink) => {
        requests.push(`${request.method} ${request.path}`);
        queueMicrotask(() => {
          sink.head(200, '', [['content-type', 'text/plain']]);
          sink.chunk(new TextEncoder().encode('from the backend'));
          sink.end();
        });
        return { sendBody() {}, endBody() {}, cancel() {} };
      },
    };
    function Fetcher() {
      const client = useBackendClient();
      return <button type="button" onClick={() => void client.fetch('/api/items').then(async (answer) => requests.push(await answer.text()))}>fetch</button>;
    }
    render(
      <BackendProvider bridge={bridge}>
        <Fetcher />
      </BackendProvider>,
    );
    await act(async () => {
      (screen.getByText('fetch') as unknown as { click(): void }).click();
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(requests).toEqual(['GET /api/items', 'from the backend']);
    function StatusOnly() {
      useBackendClient();
      return null;
    }
    expect(() =>
      render(
        <BackendProvider bridge={fake.bridge}>
          <StatusOnly />
        </BackendProvider>,
      ),
    ).toThrow('backend-lifecycle/react: useBackendClient needs the Electron bridge (window.backend) as <BackendProvider bridge>');
  });

  it("useBackendStatus('db') follows one service of a system: its first answer, then its pushes, newest first", async () => {
    const fake = fakeBridge(status({ port: 1734 }));
    const serviceListeners = new Set<(service: string, s: BackendStatusInfo) => void>();
    let answerSystem: (system: { services: Record<string, BackendStatusInfo> }) => void = () => {};
    const bridge: StatusSource = {
      ...fake.bridge,
      getSystemStatus: () => new Promise((resolve) => (answerSystem = resolve)),
      onServiceStatusChanged: (listener) => {
        serviceListeners.add(listener);
        return () => serviceListeners.delete(listener);
      },
    };
    const pushService = (service: string, next: BackendStatusInfo) =>
      act(() => {
        for (const listener of serviceListeners) listener(service, next);
      });
    function Service({ name }: { name: string }) {
      const one = useBackendStatus(name);
      return <p>{`${name} ${one?.status ?? 'unknown'} ${one?.detail ?? ''}`.trim()}</p>;
    }
    // a name no service has is undefined, even one every object answers to
    function Absent({ name }: { name: string }) {
      return <p>{`${name} ${useBackendStatus(name) === undefined ? 'absent' : 'present'}`}</p>;
    }
    function Primary() {
      return <p>primary {useBackendStatus()?.port ?? 0}</p>;
    }
    const { unmount } = render(
      <BackendProvider bridge={bridge}>
        <Service name="db" />
        <Service name="api" />
        <Service name="nope" />
        <Absent name="constructor" />
        <Absent name="toString" />
        <Primary />
      </BackendProvider>,
    );
    expect(screen.getByText('db unknown')).toBeTruthy();
    const dbLoading = status({ status: 'starting', phase: 'starting.waitingForHealth', detail: 'loading' });
    await pushService('db', dbLoading);
    expect(screen.getByText('db starting loading')).toBeTruthy();
    // the system's first answer was computed before that push: it must not roll db back
    await act(() => answerSystem({ services: { db: status({ status: 'stopped', phase: 'stopped', sequence: dbLoading.sequence - 1 }), api: status({ status: 'stopped', phase: 'stopped' }) } }));
    expect(screen.getByText('db starting loading')).toBeTruthy();
    expect(screen.getByText('api stopped')).toBeTruthy();
    await pushService('db', status({ status: 'running' }));
    expect(screen.getByText('db running')).toBeTruthy();
    expect(screen.getByText('nope unknown')).toBeTruthy();
    expect(screen.getByText('constructor absent')).toBeTruthy();
    expect(screen.getByText('toString absent')).toBeTruthy();
    await fake.answerInitial();
    expect(screen.getByText('primary 1734')).toBeTruthy();
    unmount();
    expect(serviceListeners.size).toBe(0);
  });
});
