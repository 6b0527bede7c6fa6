// Checks attachBackendToElectron's options before anything is registered, as createBackendSupervisor does its own.
import { invalidOption } from '../errors.js';
import { type OptionSpec, resolveOption } from '../options/schema.js';
import { refuseUnknownKeys } from '../options/validate.js';
import type { ElectronBackendOptions } from './attach.js';
import { electronFields, executeFields, proxyFields } from './electron-schema.js';
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

// each limit as the schema declares it (the proxy's defaults are filled in by proxyLimits)
function whole(name: string, value: unknown, spec: OptionSpec): void {
  if (value !== undefined) resolveOption(spec, value, name, {});
}

const flag = (name: 'controls' | 'direct' | 'failureDialog', value: unknown): boolean => resolveOption(electronFields[name], value, name, {}) as boolean;

function checkExecute(execute: unknown): ExecuteOptions | undefined {
  if (execute === undefined) return undefined;
  if (typeof execute !== 'object' || execute === null) throw invalidOption('execute', "{ commands: ['…'] }", execute);
  // a misspelt limit would silently keep its default
  refuseUnknownKeys(execute as Record<string, unknown>, Object.keys(executeFields), 'execute.');
  const { commands, path, maxPayloadBytes, maxResponseBytes, timeoutMs } = execute as Record<string, unknown>;
  if (!Array.isArray(commands) || commands.some((command) => typeof command !== 'string')) throw invalidOption('execute.commands', 'an array of command names', commands);
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//'))) throw invalidOption('execute.path', "a path starting with a single '/'", path);
  whole('execute.maxPayloadBytes', maxPayloadBytes, executeFields.maxPayloadBytes);
  whole('execute.maxResponseBytes', maxResponseBytes, executeFields.maxResponseBytes);
  whole('execute.timeoutMs', timeoutMs, executeFields.timeoutMs);
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
  whole('quitDeadlineMs', options.quitDeadlineMs, electronFields.quitDeadlineMs);
  if (options.log !== undefined && typeof options.log !== 'function') throw invalidOption('log', 'a function (message) => void', options.log);
  let proxy: ResolvedElectronOptions['proxy'];
  if (options.proxy !== false) {
    if (options.proxy !== undefined && (typeof options.proxy !== 'object' || options.proxy === null)) throw invalidOption('proxy', 'an object of limits, or false', options.proxy);
    const given = options.proxy ?? {};
    // a misspelt allow list ("alow") would forward every path
    refuseUnknownKeys(given as Record<string, unknown>, Object.keys(proxyFields), 'proxy.');
    whole('proxy.headersTimeoutMs', given.headersTimeoutMs, proxyFields.headersTimeoutMs);
    whole('proxy.idleTimeoutMs', given.idleTimeoutMs, proxyFields.idleTimeoutMs);
    whole('proxy.maxRequestBytes', given.maxRequestBytes, proxyFields.maxRequestBytes);
    whole('proxy.maxResponseBytes', given.maxResponseBytes, proxyFields.maxResponseBytes);
    whole('proxy.maxConcurrent', given.maxConcurrent, proxyFields.maxConcurrent);
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
    maxConcurrent: proxy?.maxConcurrent ?? proxyFields.maxConcurrent.default,
    failureDialog: flag('failureDialog', options.failureDialog),
    quitDeadlineMs: options.quitDeadlineMs,
    log: options.log ?? warnOnConsole,
  };
}
