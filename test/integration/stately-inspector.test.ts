import { createServer } from 'node:net';
import { createWebSocketInspector, createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackendSystem } from '../../src/index.js';
import { markerEnv, stopAfterTest, supervise, tempDir, testOptions } from '../helpers/supervisor.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Stately's own pieces, all local: the inspector server (its WebSocket relay, as the browser page
 * of stately.ai/inspect would use it), an inspector that sends to it, and a receiver that reads
 * what the relay passes on, as Stately's tools do.
 */
async function statelyRelay() {
  const port = await freePort();
  const server = createInspectorServer({ port, autoOpen: false });
  cleanups.push(() => server.stop());
  const url = `ws://127.0.0.1:${port}`;
  const received: StatelyInspectionEvent[] = [];
  const receiver = createWebSocketReceiver({ server: url });
  const subscription = receiver.subscribe((event) => received.push(event));
  cleanups.push(() => subscription.unsubscribe());
  const inspector = createWebSocketInspector({ url });
  cleanups.push(() => inspector.stop());
  const until = async (predicate: () => boolean, what: string) => {
    for (let waited = 0; !predicate(); waited += 20) {
      if (waited > 10_000) throw new Error(`the receiver never saw ${what}; got ${received.length} events`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { inspector, received, until };
}

const stateValues = (events: StatelyInspectionEvent[], sessionId: string) =>
  events.filter((e): e is Extract<StatelyInspectionEvent, { type: '@xstate.snapshot' }> => e.type === '@xstate.snapshot' && e.sessionId === sessionId).map((e) => JSON.stringify((e.snapshot as { value?: unknown }).value));

describe('the Stately inspector, offline: @statelyai/inspect receives our actors, snapshots and events', () => {
  it('a supervisor given createWebSocketInspector().inspect shows its lifecycle actor with its definition, every state and every command', async () => {
    const { inspector, received, until } = await statelyRelay();
    const { supervisor } = supervise('healthy.mjs', { inspect: inspector.inspect });
    await supervisor.start();
    await supervisor.stop();
    const root = supervisor.actor.sessionId;
    await until(() => stateValues(received, root).includes('"stopped"') && stateValues(received, root).some((v) => v.includes('running')), 'running, then stopped');
    const registration = received.find((e) => e.type === '@xstate.actor' && e.sessionId === root);
    expect(registration).toMatchObject({ type: '@xstate.actor', rootId: root, _version: expect.any(String) });
    // the definition is what the inspector draws the statechart from
    expect(JSON.parse((registration as { definition: string }).definition)).toMatchObject({ id: 'backendLifecycle' });
    const commands = received.filter((e) => e.type === '@xstate.event' && e.sessionId === root).map((e) => (e as { event: { type: string } }).event.type);
    expect(commands).toEqual(expect.arrayContaining(['supervisor.start', 'process.spawned', 'supervisor.stop']));
    // the invoked actors (port allocation, the process, the health wait) appear as children of the root
    const children = received.filter((e) => e.type === '@xstate.actor' && e.rootId === root && e.sessionId !== root);
    expect(children.length).toBeGreaterThan(2);
    // nothing secret travels: the API key never appears in what the inspector sends
    expect(JSON.stringify(received)).not.toContain(supervisor.getApiKey());
  });

  it('a system given one inspector shows the system actor and every service machine', async () => {
    const { inspector, received, until } = await statelyRelay();
    const dir = tempDir('inspect-system');
    const service = (needs: string[], name: string) => ({
      ...testOptions('system-service.mjs', dir),
      dependsOn: needs,
      env: { ...markerEnv, FIXTURE_NAME: name, FIXTURE_EVENTS: `${dir}/events.log`, FIXTURE_NEEDS: needs.join(',') },
    });
    const system = createBackendSystem({ services: { db: service([], 'db'), api: service(['db'], 'api') }, inspect: inspector.inspect });
    stopAfterTest(system);
    await system.start();
    const roots = [system.actor.sessionId, system.service('db').actor.sessionId, system.service('api').actor.sessionId];
    await until(() => roots.every((root) => stateValues(received, root).some((v) => v.includes('running') || v.includes('active'))), 'every actor running');
    const definitionIds = received
      .filter((e) => e.type === '@xstate.actor' && roots.includes(e.sessionId))
      .map((e) => (JSON.parse((e as { definition: string }).definition) as { id: string }).id);
    expect(definitionIds.sort()).toEqual(['backendLifecycle', 'backendLifecycle', 'backendSystem']);
    const systemEvents = received.filter((e) => e.type === '@xstate.event' && e.sessionId === system.actor.sessionId).map((e) => (e as { event: { type: string } }).event.type);
    expect(systemEvents).toEqual(expect.arrayContaining(['system.start', 'service.status']));
  });
});
