import { useEffect, useMemo, useState } from 'react';
import type { BackendStatusInfo } from 'backend-lifecycle';
import { createBackendClient } from 'backend-lifecycle/electron/renderer';
// types window.backend: the bridge the preload exposes
import 'backend-lifecycle/electron/window';

const { backend } = window;

function useStatus(): BackendStatusInfo | undefined {
  const [status, setStatus] = useState<BackendStatusInfo>();
  useEffect(() => {
    void backend.getStatus().then(setStatus);
    return backend.onStatusChanged(setStatus);
  }, []);
  return status;
}

export function App() {
  const status = useStatus();
  const client = useMemo(() => createBackendClient(backend), []);
  const [answer, setAnswer] = useState('');
  useEffect(() => client.dispose, [client]);

  const sum = async () => {
    const result = await backend.execute('sum', [1, 2, 3.5]);
    setAnswer(result.ok ? `sum = ${JSON.stringify((result.data as { result: number }).result)}` : `${result.error.code}: ${result.error.message}`);
  };
  const info = async () => {
    const response = await client.fetch('/api/info');
    setAnswer(`GET /api/info → ${response.status} ${await response.text()}`);
  };

  if (!status) return <p>Connecting…</p>;
  return (
    <main>
      <h1>
        <span className={`dot ${status.status}`} /> Backend {status.status}
      </h1>
      <dl>
        <dt>phase</dt>
        <dd>{status.phase}</dd>
        <dt>port</dt>
        <dd>{status.port || '—'}</dd>
        <dt>pid</dt>
        <dd>{status.pid ?? '—'}</dd>
        <dt>restarts</dt>
        <dd>{status.restarts}</dd>
      </dl>
      {status.error && (
        <p className="error">
          {status.error.code}: {status.error.message}
        </p>
      )}
      <button type="button" disabled={status.status !== 'running'} onClick={sum}>
        python:execute sum
      </button>
      <button type="button" disabled={status.status !== 'running'} onClick={info}>
        fetch /api/info
      </button>
      <pre>{answer}</pre>
    </main>
  );
}
