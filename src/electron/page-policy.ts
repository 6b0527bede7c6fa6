import { invalidOption } from '../errors.js';
import { refuseUnknownKeys } from '../options/validate.js';

/**
 * A route the proxy forwards: `path` is exact, or with a trailing `/*` every path below it
 * (`'/api/*'`); `methods` limits it (default: every method).
 *
 * @example
 * proxy: { allow: [{ path: '/api/*' }, { path: '/api/upload', methods: ['PUT'] }] }
 */
export interface ProxyRoute {
  path: string;
  methods?: readonly string[];
}

/** What a page may reach through the proxy: one answer for every route to the backend. */
export interface PagePolicy {
  /** Undefined when forwarded, else why not (the renderer's `BackendProxyError` message). */
  refusal(method: string, path: string): string | undefined;
}

/**
 * The path as the backend will route it, for comparing: percent-decoded, `//` and `.`/`..`
 * segments folded, no trailing `/`, lower-cased (a backend may route case-insensitively). Undefined
 * when it cannot be read the same way by everyone (an encoded `/` or `\`, bad encoding, `..` above
 * the root, a backslash).
 */
export function canonicalPath(pathAndQuery: string): string | undefined {
  const path = pathAndQuery.split(/[?#]/, 1)[0] ?? '';
  if (path.includes('\\') || /%(2f|5c|25)/i.test(path)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.pop() === undefined) return undefined;
      continue;
    }
    segments.push(segment);
  }
  return `/${segments.join('/')}`.toLowerCase();
}

interface Rule {
  path: string;
  prefix: boolean;
  methods: ReadonlySet<string> | undefined;
}

function parseRoutes(routes: unknown): Rule[] {
  if (!Array.isArray(routes)) throw invalidOption('proxy.allow', "an array of routes, e.g. [{ path: '/api/*' }]", routes);
  return routes.map((route: unknown, index) => {
    const name = `proxy.allow[${index}]`;
    const given = (typeof route === 'object' && route !== null ? route : {}) as Record<string, unknown>;
    // 'method' for 'methods' would allow every method on the route
    refuseUnknownKeys(given, ['path', 'methods'], `${name}.`);
    const { path, methods } = given;
    if (typeof path !== 'string' || !path.startsWith('/')) throw invalidOption(`${name}.path`, "a path starting with '/', e.g. '/api/items' or '/api/*'", path);
    const prefix = path.endsWith('/*');
    const canonical = canonicalPath(prefix ? path.slice(0, -2) || '/' : path);
    if (canonical === undefined) throw invalidOption(`${name}.path`, 'a plain path (no encoded "/", no ".." above the root)', path);
    if (methods !== undefined && (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => typeof m !== 'string' || !/^[A-Za-z]{1,16}$/.test(m)))) {
      throw invalidOption(`${name}.methods`, "a non-empty array of HTTP methods, e.g. ['GET', 'POST']", methods);
    }
    return { path: canonical, prefix, methods: methods === undefined ? undefined : new Set((methods as string[]).map((m) => m.toUpperCase())) };
  });
}

const under = (path: string, folder: string) => folder === '/' || path === folder || path.startsWith(`${folder}/`);

/**
 * The proxy's policy: `allow` (default: every path) minus the paths that act on the backend itself
 * (its stop request, `python:execute`'s path), which pass only when an `allow` route names them
 * exactly: `controls: false` and the execute allowlist then hold on the proxy too.
 */
export function createPagePolicy(allow: unknown, reserved: readonly { path: string; why: string }[]): PagePolicy {
  const rules = allow === undefined ? [{ path: '/', prefix: true, methods: undefined }] : parseRoutes(allow);
  const guarded = reserved.flatMap(({ path, why }) => {
    const canonical = canonicalPath(path);
    return canonical === undefined ? [] : [{ path: canonical, why }];
  });
  return {
    refusal(method, pathAndQuery) {
      const path = canonicalPath(pathAndQuery);
      if (path === undefined) return `${pathAndQuery.slice(0, 100)} is not a plain path (encoded "/" or "\\", or ".." above the root)`;
      const fits = (rule: Rule) => (rule.methods === undefined || rule.methods.has(method)) && (rule.prefix ? under(path, rule.path) : path === rule.path);
      const reservedHit = guarded.find((entry) => entry.path === path);
      if (reservedHit && !rules.some((rule) => !rule.prefix && rule.path === path && fits(rule))) {
        return `${method} ${path} is not forwarded: it is ${reservedHit.why} (name it in proxy.allow to forward it)`;
      }
      if (!rules.some(fits)) return `${method} ${path} is not on the proxy's allow list`;
      return undefined;
    },
  };
}
