import type { BackendStatusInfo } from '../machines/status.js';
import type { StatusSource } from '../src/react/status-store.js';
import type { TransitionEntry } from '../src/ui/inspection-hub.js';

export type Command = 'start' | 'stop' | 'restart';

/** The inspector page's bridge: statuses, transitions and log lines over SSE; commands over POST. */
export interface WebBridge extends StatusSource {
  onTransition(listener: (entry: TransitionEntry, history: boolean) => void): () => void;
  onLog(listener: (lines: string[], reset: boolean) => void): () => void;
  onConnection(listener: (connected: boolean) => void): () => void;
  command(command: Command): Promise<void>;
}

export function createWebBridge(token: string): WebBridge {
  const query = `token=${encodeURIComponent(token)}`;
  const listeners = { status: new Set<(s: BackendStatusInfo) => void>(), transition: new Set<(e: TransitionEntry, h: boolean) => void>(), log: new Set<(l: string[], r: boolean) => void>(), connection: new Set<(c: boolean) => void>() };
  // the stream may deliver history before React subscribes: keep it and replay it to late subscribers
  const history: { status: BackendStatusInfo | undefined; transitions: TransitionEntry[]; lines: string[] } = { status: undefined, transitions: [], lines: [] };
  const receiveStatus = (status: BackendStatusInfo) => {
    history.status = status;
    emit(listeners.status, status);
  };
  const add = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };
  const events = new EventSource(`/api/events?${query}`);
  const emit = <A extends unknown[]>(set: Set<(...args: A) => void>, ...args: A) => {
    for (const listener of set) listener(...args);
  };
  events.addEventListener('open', () => emit(listeners.connection, true));
  events.addEventListener('error', () => emit(listeners.connection, false));
  events.addEventListener('hello', (message) => {
    const hello = JSON.parse(message.data) as { status: BackendStatusInfo; transitions: TransitionEntry[] };
    receiveStatus(hello.status);
    history.transitions = [...hello.transitions];
    for (const entry of hello.transitions) emit(listeners.transition, entry, true);
  });
  events.addEventListener('status', (message) => receiveStatus(JSON.parse(message.data) as BackendStatusInfo));
  events.addEventListener('transition', (message) => {
    const entry = JSON.parse(message.data) as TransitionEntry;
    history.transitions = [...history.transitions.slice(-199), entry];
    emit(listeners.transition, entry, false);
  });
  events.addEventListener('log', (message) => {
    const { lines, reset } = JSON.parse(message.data) as { lines: string[]; reset: boolean };
    history.lines = [...(reset ? [] : history.lines), ...lines].slice(-300);
    emit(listeners.log, lines, reset);
  });
  return {
    getStatus: async () => history.status ?? ((await fetch(`/api/status?${query}`)).json() as Promise<BackendStatusInfo>),
    onStatusChanged(listener) {
      if (history.status) listener(history.status);
      return add(listeners.status, listener);
    },
    onTransition(listener) {
      for (const entry of history.transitions) listener(entry, true);
      return add(listeners.transition, listener);
    },
    onLog(listener) {
      if (history.lines.length > 0) listener(history.lines, true);
      return add(listeners.log, listener);
    },
    onConnection: (listener) => add(listeners.connection, listener),
    async command(command) {
      const response = await fetch('/api/command', { method: 'POST', headers: { 'content-type': 'application/json', 'x-ui-token': token }, body: JSON.stringify({ command }) });
      if (!response.ok) throw new Error(`${command} refused: ${(await response.json()).error}`);
    },
  };
}
