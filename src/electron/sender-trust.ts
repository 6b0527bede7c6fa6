import type { ElectronMainApi, InvokeEventLike } from './electron-like.js';

/** The origin of a frame URL; `file://` pages all share the origin `file://`. */
export function frameOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'file:' ? 'file://' : parsed.origin;
  } catch {
    return undefined;
  }
}

/**
 * Trusted = sent by a frame of one of the app's own BrowserWindows whose origin is on the
 * allowlist. Anything else (a webview, a devtools extension, a navigated-away page) is refused.
 */
export function createSenderCheck(BrowserWindow: ElectronMainApi['BrowserWindow'], trustedOrigins: readonly string[]) {
  const allowed = new Set(trustedOrigins);
  return (event: InvokeEventLike): { trusted: true } | { trusted: false; reason: string } => {
    const url = event.senderFrame?.url;
    if (url === undefined) return { trusted: false, reason: 'the sending frame is gone' };
    if (!BrowserWindow.fromWebContents(event.sender)) return { trusted: false, reason: `${url} is not in one of the app's windows` };
    const origin = frameOrigin(url);
    if (origin === undefined || !allowed.has(origin)) return { trusted: false, reason: `origin ${origin ?? url} is not trusted` };
    return { trusted: true };
  };
}
