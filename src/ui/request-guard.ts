import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The inspector's door: the Host must be our loopback address (no DNS rebinding), a command's
 * Origin must be our own page (no cross-site POST), and every request carries the per-run token.
 */
export function createRequestGuard(port: number, token: string) {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const expected = Buffer.from(token);
  const tokenMatches = (candidate: string | null | undefined) => {
    const given = Buffer.from(candidate ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return (request: IncomingMessage, url: URL): string | undefined => {
    if (!hosts.has(request.headers.host ?? '')) return 'unexpected Host header';
    if (request.method === 'POST') {
      if (!origins.has(request.headers.origin ?? '')) return 'commands are accepted only from the inspector page itself';
      if (!tokenMatches(request.headers['x-ui-token'] as string | undefined)) return 'missing or wrong token';
      return undefined;
    }
    if (url.pathname.startsWith('/assets/')) return undefined; // the built page's static files hold no data
    return tokenMatches(url.searchParams.get('token')) ? undefined : 'missing or wrong token';
  };
}
