import type { BackendStatus, BackendStatusInfo } from '../../machines/status.js';
import { type LaunchTimeline, slowestSteps } from './launch-timeline.js';

/** How one service of a system spent the system's start-up. */
export interface ServiceTiming {
  name: string;
  dependsOn: readonly string[];
  /** From the system's start until this service's own launch began (its wait on its dependencies). */
  waitedMs: number | null;
  /** From its launch to running (retries included). */
  startupMs: number | null;
  /** When it was running, in ms after the system's start. */
  readyAtMs: number | null;
  /** Its latest launch, step by step. */
  launch?: LaunchTimeline;
}

/** A system's start-up: every service's timing, and the critical chain (the last service ready, back through its slowest dependency). */
export interface SystemTimeline {
  startedAt: string | null;
  /** When every service was running, in ms after the start (null while it starts). */
  readyAfterMs: number | null;
  services: ServiceTiming[];
  /** Names, from the service that was ready last back to the first of its chain. */
  criticalChain: string[];
}

/** What the recorder needs of a system (see `createBackendSystem`). */
export interface ObservedSystem {
  names: readonly string[];
  dependsOn(name: string): readonly string[];
  subscribeService(name: string, listener: (status: BackendStatusInfo) => void): void;
  subscribeSystem(listener: (status: BackendStatus, services: Readonly<Record<string, BackendStatusInfo>>) => void): void;
  launches(name: string): LaunchTimeline[];
}

/**
 * Records a system's start-up from its statuses (it never drives the system): when it began,
 * when each service's launch began (its dependencies were running) and when it ran.
 */
export function recordSystemTimeline(system: ObservedSystem): () => SystemTimeline {
  let started: number | undefined;
  let ready: number | undefined;
  const launched = new Map<string, number>();
  const running = new Map<string, number>();
  let previous: BackendStatus | undefined;
  system.subscribeSystem((status, services) => {
    const now = Date.now();
    // a start (or a restart) of the system begins a new record; its services are timed from here
    if (status === 'starting' && previous !== 'starting') {
      started = now;
      ready = undefined;
      launched.clear();
      running.clear();
    }
    if (status === 'running' && started !== undefined && ready === undefined) {
      // the status that made the system run reaches the system before it reaches our service listener
      for (const name of system.names) if (services[name]?.status === 'running' && !running.has(name)) running.set(name, now);
      // the system runs from the moment its last service did: one clock reading for both, never two
      ready = Math.max(...running.values(), started);
    }
    previous = status;
  });
  for (const name of system.names) {
    system.subscribeService(name, (status) => {
      if (started === undefined || ready !== undefined) return;
      if (status.status === 'starting' && !launched.has(name)) launched.set(name, Date.now());
      if (status.status === 'running' && !running.has(name)) running.set(name, Date.now());
    });
  }
  return () => {
    const since = (at: number | undefined) => (at === undefined || started === undefined ? null : at - started);
    const services = system.names.map((name): ServiceTiming => {
      const begin = launched.get(name);
      const end = running.get(name);
      const launch = system.launches(name).at(-1);
      return {
        name,
        dependsOn: system.dependsOn(name),
        waitedMs: since(begin),
        startupMs: begin !== undefined && end !== undefined ? end - begin : null,
        readyAtMs: since(end),
        ...(launch ? { launch } : {}),
      };
    });
    return { startedAt: started === undefined ? null : new Date(started).toISOString(), readyAfterMs: since(ready), services, criticalChain: criticalChain(services) };
  };
}

function criticalChain(services: ServiceTiming[]): string[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const latest = (names: readonly string[]) =>
    names
      .map((name) => byName.get(name))
      .filter((service): service is ServiceTiming => service?.readyAtMs !== null && service !== undefined)
      .sort((a, b) => (b.readyAtMs ?? 0) - (a.readyAtMs ?? 0))[0];
  const chain: string[] = [];
  for (let current = latest([...byName.keys()]); current && !chain.includes(current.name); current = latest(current.dependsOn)) chain.push(current.name);
  return chain;
}

/**
 * The critical chain as text, slowest service first, with each one's slowest launch steps, as
 * `up --timings` prints it.
 *
 * @example
 * process.stderr.write(formatCriticalChain(system.timeline()));
 */
export function formatCriticalChain(timeline: SystemTimeline): string {
  if (timeline.readyAfterMs === null) return 'critical chain: the system has not been running yet\n';
  const chain = timeline.criticalChain
    .map((name) => timeline.services.find((service) => service.name === name))
    .filter((service): service is ServiceTiming => service !== undefined)
    .sort((a, b) => (b.startupMs ?? 0) - (a.startupMs ?? 0));
  const width = Math.max(...chain.map((service) => service.name.length));
  const lines = [`critical chain (${timeline.criticalChain.join(' <- ')}), every service running after ${timeline.readyAfterMs} ms, slowest first:`];
  for (const service of chain) {
    const waited = service.dependsOn.length > 0 ? `, waited ${service.waitedMs} ms for ${service.dependsOn.join(', ')}` : '';
    lines.push(`  ${service.name.padEnd(width)}  start-up ${service.startupMs} ms (running at +${service.readyAtMs} ms${waited})`);
    const steps = service.launch ? slowestSteps(service.launch).slice(0, 4) : [];
    if (steps.length > 0) lines.push(`  ${''.padEnd(width)}    slowest steps: ${steps.map((step) => `${step.name} ${step.tookMs} ms`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
