import { httpRequest, urlHost } from '../net/http-client.js';
import type { ResolvedOptions } from '../options/options.js';

type StopRequest = NonNullable<ResolvedOptions['shutdown']['request']>;

/**
 * Asks the backend to stop itself (`shutdown.request`), with the API key, before any signal.
 * Resolves with what happened, in words for the launch log; `accepted` only for a 2xx answer.
 *
 * @example
 * const { accepted, detail } = await requestStop(options, request, apiKey, 1733);
 */
export async function requestStop(
  options: Pick<ResolvedOptions, 'host'>,
  request: StopRequest,
  apiKey: string | false,
  port: number,
): Promise<{ accepted: boolean; detail: string }> {
  const what = `${request.method} ${request.path}`;
  try {
    const answer = await httpRequest(`http://${urlHost(options.host)}:${port}${request.path}`, {
      method: request.method,
      headers: apiKey ? { 'X-API-Key': apiKey } : {},
      // an answer, not the shutdown itself, is awaited here: waitMs covers the backend's exit
      timeoutMs: Math.max(1, Math.min(request.waitMs, 2_000)),
      maxBytes: 64 * 1024,
    });
    const accepted = answer.statusCode >= 200 && answer.statusCode < 300;
    return { accepted, detail: `stop request ${what} answered HTTP ${answer.statusCode}` };
  } catch (error) {
    // a backend that closes the connection while it exits has accepted in its own way
    const code = (error as { code?: string }).code ?? 'ERROR';
    return { accepted: code === 'ECONNRESET', detail: `stop request ${what} failed: ${code}` };
  }
}
