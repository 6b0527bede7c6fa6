import { useEffect, useRef, useState } from 'react';
import { useBackendStatus, useBackendUrl } from '../src/react/hooks.js';
import type { TransitionEntry } from '../src/ui/inspection-hub.js';
import type { Command, WebBridge } from './web-bridge.js';

function Status() {
  const status = useBackendStatus();
  const url = useBackendUrl();
  if (!status) return <section className="card">Connecting…</section>;
  return (
    <section className="card status" data-testid="status-card">
      <div className={`badge ${status.status}`} data-testid="status">
        {status.status}
      </div>
      <dl>
        <dt>phase</dt>
        <dd data-testid="phase">{status.phase}</dd>
        {status.detail && (
          <>
            <dt>{status.status === 'stopping' ? 'holding the stop' : 'progress'}</dt>
            <dd data-testid="detail">{status.detail}</dd>
          </>
        )}
        <dt>port</dt>
        <dd data-testid="port">{url ? <a href={url}>{status.port}</a> : '—'}</dd>
        <dt>pid</dt>
        <dd>{status.pid ?? '—'}</dd>
        <dt>restarts</dt>
        <dd>{status.restarts}</dd>
        <dt>since</dt>
        <dd>{new Date(status.timestamp).toLocaleTimeString()}</dd>
      </dl>
      {status.error && (
        <div className="error" role="alert">
          <strong>{status.error.code}</strong> {status.error.message.replace(/\. Log: .*$/, '')}
          {status.error.hint && (
            <p className="hint" data-testid="hint">
              {status.error.hint}
            </p>
          )}
          {status.error.logFile && <code>{status.error.logFile}</code>}
        </div>
      )}
    </section>
  );
}

function Controls({ bridge }: { bridge: WebBridge }) {
  const status = useBackendStatus()?.status;
  const [problem, setProblem] = useState('');
  const run = (command: Command) => bridge.command(command).then(() => setProblem(''), (error: Error) => setProblem(error.message));
  return (
    <section className="card controls">
      <button type="button" onClick={() => run('start')} disabled={status === 'running' || status === 'starting'}>
        Start
      </button>
      <button type="button" onClick={() => run('stop')} disabled={status === 'stopped'}>
        Stop
      </button>
      <button type="button" onClick={() => run('restart')}>
        Restart
      </button>
      {problem && <p className="error">{problem}</p>}
    </section>
  );
}

function Diagram({ token, paths }: { token: string; paths: string[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const [svg, setSvg] = useState('');
  useEffect(() => {
    fetch(`/diagram.svg?token=${encodeURIComponent(token)}`).then((r) => r.text()).then(setSvg, () => setSvg(''));
  }, [token]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the classes must be applied again once the SVG is in place
  useEffect(() => {
    const root = holder.current;
    if (!root) return;
    for (const element of root.querySelectorAll('.active')) element.classList.remove('active');
    for (const path of paths) root.querySelector(`[id="state-${CSS.escape(path)}"]`)?.classList.add('active');
  }, [paths, svg]);
  return (
    <section className="card diagram">
      <h2>Statechart</h2>
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG is our own generated file (visualizations/), served by our own server */}
      <div ref={holder} className="svg" dangerouslySetInnerHTML={{ __html: svg }} />
    </section>
  );
}

function Transitions({ entries }: { entries: TransitionEntry[] }) {
  return (
    <section className="card transitions">
      <h2>Transitions</h2>
      <ol>
        {entries
          .slice(-60)
          .reverse()
          .map((entry) => (
            <li key={`${entry.at}-${entry.event}-${entry.state}`}>
              <time>{entry.at.slice(11, 23)}</time> <code>{entry.event}</code> → {entry.paths.at(-1)}
            </li>
          ))}
      </ol>
    </section>
  );
}

function LogTail({ lines }: { lines: string[] }) {
  const panel = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the end whenever new lines arrive
  useEffect(() => {
    // scroll the panel itself, never the page, and only while the reader is at its end
    const element = panel.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [lines]);
  const onScroll = () => {
    const element = panel.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
  };
  return (
    <section className="card log">
      <h2>Backend log</h2>
      <pre ref={panel} onScroll={onScroll} data-testid="log">
        {lines.join('\n')}
      </pre>
    </section>
  );
}

export function App({ bridge, token }: { bridge: WebBridge; token: string }) {
  const [entries, setEntries] = useState<TransitionEntry[]>([]);
  const [lines, setLines] = useState<string[]>([]);
  const [connected, setConnected] = useState(true);
  useEffect(() => {
    const offs = [
      bridge.onTransition((entry) => setEntries((all) => [...all.slice(-199), entry])),
      bridge.onLog((next, reset) => setLines((all) => [...(reset ? [] : all), ...next].slice(-300))),
      bridge.onConnection(setConnected),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [bridge]);
  return (
    <main>
      <header>
        <h1>backend-lifecycle inspector</h1>
        <span className={connected ? 'link up' : 'link down'}>{connected ? 'live' : 'disconnected'}</span>
      </header>
      <div className="grid">
        <div className="column">
          <Status />
          <Controls bridge={bridge} />
          <Transitions entries={entries} />
        </div>
        <div className="column">
          <Diagram token={token} paths={entries.at(-1)?.paths ?? []} />
          <LogTail lines={lines} />
        </div>
      </div>
    </main>
  );
}
