import { createWriteStream } from 'node:fs';
import type { InspectionEvent } from 'xstate';

/**
 * Writes XState inspection events as JSON lines (the CLI's `--inspect-log FILE`): plain data
 * only — type, actor, event type and state value — never snapshots or actor refs.
 */
export function createInspectLog(path: string): { inspect: (event: InspectionEvent) => void; close: () => Promise<void> } {
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', () => {}); // a log that cannot be written must not stop the backend
  return {
    inspect(event) {
      const line: Record<string, unknown> = { at: new Date().toISOString(), type: event.type, actor: (event.actorRef as { id?: string }).id ?? event.actorRef.sessionId };
      if ('event' in event && event.event) line.event = (event.event as { type: string }).type;
      if (event.type === '@xstate.snapshot') line.value = (event.snapshot as { value?: unknown }).value ?? null;
      stream.write(`${JSON.stringify(line)}\n`);
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}
