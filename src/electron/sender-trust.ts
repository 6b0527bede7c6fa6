import { pathToFileURL } from 'node:url';
import { invalidOption } from '../errors.js';
import type { ElectronMainApi, InvokeEventLike } from './electron-like.js';

/**
 * One trusted origin, normalised: a tuple origin (`http://localhost:5173`, `app://bundle`) or a
 * folder whose `file:` pages are trusted (the app's own, never the whole disk).
 */
export type TrustRule = { kind: 'origin'; origin: string } | { kind: 'folder'; path: string };

// schemes whose documents have an opaque origin ("null") or borrow one: never trusted
const opaqueSchemes = new Set(['data:', 'about:', 'javascript:', 'blob:', 'filesystem:', 'null:']);
const caseless = process.platform === 'win32' || process.platform === 'darwin';

/** A `file:` URL's path, decoded, or undefined when it hides a separator (`%2F`, `%5C`) or is malformed. */
function filePath(pathname: string): string | undefined {
  if (/%(2f|5c)/i.test(pathname)) return undefined;
  try {
    const decoded = decodeURIComponent(pathname);
    return caseless ? decoded.toLowerCase() : decoded;
  } catch {
    return undefined;
  }
}

/** The tuple origin of a non-file URL (`scheme://host[:port]`), or undefined when it is opaque. */
function tupleOrigin(parsed: URL): string | undefined {
  if (opaqueSchemes.has(parsed.protocol) || parsed.host === '') return undefined;
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  // a custom scheme (app://bundle/...): Node's parser calls its origin "null"; Chromium, for a scheme
  // registered as standard, serialises scheme and host, lower-cased
  return `${parsed.protocol}//${parsed.host}`.toLowerCase();
}

/** Turns the app's `trustedOrigins` into rules, refusing (INVALID_OPTIONS) an entry that can never match a page. */
export function trustRules(entries: unknown, appPath: (() => string) | undefined): TrustRule[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw invalidOption('trustedOrigins', "a non-empty array of origins, e.g. ['file://'] or ['http://localhost:5173']", entries);
  }
  return entries.map((entry: unknown, index): TrustRule => {
    const name = `trustedOrigins[${index}]`;
    const refuse = (why: string) => invalidOption(name, '', entry, `${JSON.stringify(entry)} ${why}`);
    if (typeof entry !== 'string') throw invalidOption(name, 'an origin string', entry);
    if (entry === 'file://') {
      // "the app's own pages": file: pages under the app's folder, not every file on the disk
      if (typeof appPath !== 'function') throw refuse("needs app.getAppPath() (pass Electron's own app) to mean the app's own folder");
      return { kind: 'folder', path: folderOf(pathToFileURL(appPath()).pathname) };
    }
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      throw refuse("is not an origin: write scheme://host[:port], e.g. 'http://localhost:5173' or 'app://bundle'");
    }
    if (parsed.protocol === 'file:') {
      if (parsed.host !== '') throw refuse('names a network share: pages from another machine are never trusted');
      const path = filePath(parsed.pathname);
      if (path === undefined || parsed.search !== '' || parsed.hash !== '') throw refuse('is not a folder: write file:///path/to/app/');
      return { kind: 'folder', path: folderOf(path) };
    }
    const origin = tupleOrigin(parsed);
    if (origin === undefined) throw refuse('is an opaque origin (data:, about:blank, blob:, sandboxed frames share it): it is never trusted');
    if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
      throw refuse(`has a path, query or credentials, which an origin never has: write ${JSON.stringify(origin)}`);
    }
    return { kind: 'origin', origin };
  });
}

const folderOf = (path: string) => {
  const decoded = filePath(path) ?? path;
  return decoded.endsWith('/') ? decoded : `${decoded}/`;
};

/**
 * Whether a page is one of the app's own: `url` is the frame's URL, `origin` what Chromium says
 * its origin is (Electron's `WebFrameMain.origin`; "null" for sandboxed frames and opaque pages,
 * whatever their URL).
 */
export function isTrustedPage(rules: readonly TrustRule[], url: string, origin?: string): boolean {
  if (origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') {
    if (parsed.host !== '' || (origin !== undefined && origin !== 'file://')) return false;
    const path = filePath(parsed.pathname);
    return path !== undefined && rules.some((rule) => rule.kind === 'folder' && path.startsWith(rule.path));
  }
  const own = tupleOrigin(parsed);
  if (own === undefined || (origin !== undefined && origin.toLowerCase() !== own)) return false;
  return rules.some((rule) => rule.kind === 'origin' && rule.origin === own);
}

/** The frame's URL and origin; a frame Electron already disposed throws on access, and is gone. */
function frameOf(event: InvokeEventLike): { url: string; origin: string | undefined } | undefined {
  try {
    const frame = event.senderFrame;
    if (!frame) return undefined;
    return { url: frame.url, origin: frame.origin };
  } catch {
    return undefined;
  }
}

/**
 * Trusted = sent by a frame of one of the app's own BrowserWindows whose page is one of the app's
 * own (see {@link trustRules}). Anything else (a webview, a devtools extension, a navigated-away
 * page, a sandboxed or opaque frame) is refused.
 */
export function createSenderCheck(BrowserWindow: ElectronMainApi['BrowserWindow'], rules: readonly TrustRule[]) {
  return (event: InvokeEventLike): { trusted: true } | { trusted: false; reason: string } => {
    const frame = frameOf(event);
    if (frame === undefined) return { trusted: false, reason: 'the sending frame is gone' };
    if (!BrowserWindow.fromWebContents(event.sender)) return { trusted: false, reason: `${frame.url} is not in one of the app's windows` };
    if (!isTrustedPage(rules, frame.url, frame.origin)) return { trusted: false, reason: `origin ${describeOrigin(frame.url, frame.origin)} is not trusted` };
    return { trusted: true };
  };
}

function describeOrigin(url: string, origin: string | undefined): string {
  if (origin === 'null') return `null (${url || 'an opaque frame'})`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'file:') return url;
    return tupleOrigin(parsed) ?? url;
  } catch {
    return url;
  }
}
