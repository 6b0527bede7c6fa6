// Checks attachBackendToElectron's options before anything is registered, as createBackendSupervisor does its own.
import { invalidOption } from '../errors.js';
import { refuseUnknownKeys } from '../options/validate.js';
import type { ElectronBackendOptions } from './attach.js';
import type { ExecuteOptions } from './execute.js';
import { createPagePolicy, type PagePolicy } from './page-policy.js';
import { type ProxyLimits, proxyLimits } from './proxy.js';
import { type TrustRule, trustRules } from './sender-trust.js';
import { warnOnConsole } from './console-log.js';

/** The options, checked, with their defaults. */
export interface ResolvedElectronOptions {
  rules: TrustRule[];
  proxy: (ProxyLimits & { policy: PagePolicy }) | undefined;
  execute: ExecuteOptions | undefined;
  controls: boolean;
  direct: boolean;
  /** Most calls in flight at once, per route (proxy, python:execute): `proxy.maxConcurrent`, default 64. */
  maxConcurrent: number;
  failureDialog: boolean;
  quitDeadlineMs: number | undefined;
  log: (message: string) => void;
}

function whole(name: string, value: unknown, min: number, expected: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)) throw invalidOption(name, expected, value);
}

function flag(name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value === true;
}

function checkExecute(execute: unknown): ExecuteOptions | undefined {
  if (execute === undefined) return undefined;
  if (typeof execute !== 'object' || execute === null) throw invalidOption('execute', "{ commands: ['…'] }", execute);
  // a misspelt limit would silently keep its default
  refuseUnknownKeys(execute as Record<string, unknown>, ['commands', 'path', 'maxPayloadBytes', 'maxResponseBytes', 'timeoutMs'], 'execute.');
  const { commands, path, maxPayloadBytes, maxResponseBytes, timeoutMs } = execute as Record<string, unknown>;
  if (!Array.isArray(commands) || commands.some((command) => typeof command !== 'string')) throw invalidOption('execute.commands', 'an array of command names', commands);
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//'))) throw invalidOption('execute.path', "a path starting with a single '/'", path);
  whole('execute.maxPayloadBytes', maxPayloadBytes, 1, 'a positive whole number of bytes');
  whole('execute.maxResponseBytes', maxResponseBytes, 1, 'a positive whole number of bytes');
  whole('execute.timeoutMs', timeoutMs, 1, 'a positive whole number of milliseconds');
  return execute as ExecuteOptions;
}

/**
 * Validates every option (INVALID_OPTIONS naming it). `stopRequestPath` is the supervisor's own
 * stop request: the proxy never forwards it, nor `python:execute`'s path, unless `proxy.allow` names them.
 */
export function resolveElectronOptions(options: ElectronBackendOptions, stopRequestPath: string | undefined): ResolvedElectronOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', '{ app, BrowserWindow, dialog, ipcMain, trustedOrigins }', options);
  for (const part of ['app', 'BrowserWindow', 'dialog', 'ipcMain'] as const) {
    if (typeof options[part] !== 'object' && typeof options[part] !== 'function') throw invalidOption(part, `Electron's own ${part}`, options[part]);
  }
  const rules = trustRules(options.trustedOrigins, typeof options.app.getAppPath === 'function' ? () => options.app.getAppPath() : undefined);
  const execute = checkExecute(options.execute);
  whole('quitDeadlineMs', options.quitDeadlineMs, 1, 'a positive whole number of milliseconds');
  if (options.log !== undefined && typeof options.log !== 'function') throw invalidOption('log', 'a function (message) => void', options.log);
  let proxy: ResolvedElectronOptions['proxy'];
  if (options.proxy !== false) {
    if (options.proxy !== undefined && (typeof options.proxy !== 'object' || options.proxy === null)) throw invalidOption('proxy', 'an object of limits, or false', options.proxy);
    const given = options.proxy ?? {};
    // a misspelt allow list ("alow") would forward every path
    refuseUnknownKeys(given as Record<string, unknown>, ['headersTimeoutMs', 'idleTimeoutMs', 'maxRequestBytes', 'maxResponseBytes', 'maxConcurrent', 'allow'], 'proxy.');
    whole('proxy.headersTimeoutMs', given.headersTimeoutMs, 1, 'a positive whole number of milliseconds');
    whole('proxy.idleTimeoutMs', given.idleTimeoutMs, 0, 'a whole number of milliseconds, 0 for none');
    whole('proxy.maxRequestBytes', given.maxRequestBytes, 1, 'a positive whole number of bytes');
    whole('proxy.maxResponseBytes', given.maxResponseBytes, 1, 'a positive whole number of bytes');
    whole('proxy.maxConcurrent', given.maxConcurrent, 1, 'a positive whole number of requests');
    const reserved = [{ path: execute?.path ?? '/api/execute', why: "python:execute's path (commands go through execute(), on its allowlist)" }];
    if (stopRequestPath !== undefined) reserved.push({ path: stopRequestPath, why: "the backend's stop request (stop() is a control, see the controls option)" });
    proxy = { ...proxyLimits(given), policy: createPagePolicy(given.allow, reserved) };
  }
  return {
    rules,
    proxy,
    execute,
    controls: flag('controls', options.controls),
    direct: flag('direct', options.direct),
    maxConcurrent: proxy?.maxConcurrent ?? 64,
    failureDialog: options.failureDialog === undefined || flag('failureDialog', options.failureDialog),
    quitDeadlineMs: options.quitDeadlineMs,
    log: options.log ?? warnOnConsole,
  };
}
