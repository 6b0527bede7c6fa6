import type { Failure } from './failure.js';

/**
 * Evidence about a failure that its own details cannot hold: gathered by the supervisor from the
 * machine it runs on (see `src/diagnose/`). Every field is optional: a rule that needs one that is
 * missing does not fire.
 */
export interface FailureFacts {
  /** The command the supervisor ran (e.g. `python3`, `/opt/app/backend`). */
  command: string;
  /** `process.platform` of the supervisor. */
  platform: string;
  /** This supervisor started the same command successfully at an earlier launch. */
  spawnedBefore?: boolean;
  /** A launch of this backend (by its lockfile) that is still alive and holds the failed port. */
  portHolder?: { port: number; pid: number; supervisorPid: number };
  /** OOM kills counted by the backend's cgroup, at its spawn and after it ended. */
  oomKills?: { file: string; before: number; after: number };
  /** Processes of the group still alive when the stop gave up (pid, command, seconds since the first signal). */
  stopBlockers?: readonly { pid: number; command: string; seconds: number }[];
}

type Rule = (failure: Failure, facts: FailureFacts, tail: string) => string | undefined;

const exitCodes = new Set(['CRASHED_DURING_STARTUP', 'EXITED_UNEXPECTEDLY', 'PORT_UNAVAILABLE']);
// NTSTATUS STATUS_DLL_NOT_FOUND, as Windows reports it (unsigned) and as some runtimes do (signed)
const dllNotFound = new Set([0xc0000135, 0xc0000135 - 2 ** 32]);

function detail(failure: Failure, name: string): string | number | boolean | null | undefined {
  return failure.details?.[name];
}

/** The last matching line of the output tail, cut to a length a dialog can show. */
function lastMatch(tail: string, pattern: RegExp): RegExpExecArray | undefined {
  const lines = tail.split('\n').reverse();
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match) return match;
  }
  return undefined;
}

// the line that ends a Python traceback: the exception's (dotted) name at the start of the line
const pythonExceptionLine = /^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)): ?(.*)$/;

/**
 * The exception that ended a Python process: the last traceback line of the tail. A mention inside
 * ordinary output, or a handled traceback followed by another exception, is not it.
 */
function finalPythonException(tail: string): { name: string; message: string } | undefined {
  const match = lastMatch(tail, pythonExceptionLine);
  return match ? { name: match[1] ?? '', message: match[2] ?? '' } : undefined;
}

// output is hostile: a hint quoting it goes to terminals and dialogs, so no control characters
const clip = (text: string, max = 120) => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
};

const portAdvice = (platform: string) =>
  platform === 'win32'
    ? 'Windows reserves port ranges (Hyper-V, WinNAT): list them with "netsh interface ipv4 show excludedportrange protocol=tcp" and choose a port outside them'
    : 'ports below 1024 need administrator rights: choose a port of 1024 or more';

const rules: Rule[] = [
  // spawn refused by the operating system
  (failure, facts) => {
    const cause = detail(failure, 'cause');
    if (failure.code !== 'SPAWN_FAILED' || (cause !== 'EACCES' && cause !== 'EPERM')) return undefined;
    return `The system refused to run ${clip(facts.command, 300)} (${cause}): make the file executable (chmod +x) on a volume not mounted noexec; an antivirus or quarantine (macOS Gatekeeper) may block it too.`;
  },
  (failure, facts) => {
    if (failure.code !== 'SPAWN_FAILED' || detail(failure, 'cause') !== 'ENOENT' || !facts.spawnedBefore) return undefined;
    return `${clip(facts.command, 300)} ran at an earlier launch and is gone now: an antivirus may have quarantined it, or an update or clean-up removed it; restore it or reinstall the app.`;
  },
  // a port refused to the supervisor's probe or to the backend's own bind
  (failure, facts) => {
    if (failure.code !== 'PORT_UNAVAILABLE' || detail(failure, 'reason') !== 'EACCES') return undefined;
    return `The system refused the port (EACCES): ${portAdvice(facts.platform)}.`;
  },
  (failure, facts) => {
    const holder = facts.portHolder;
    if (failure.code !== 'PORT_UNAVAILABLE' || !holder) return undefined;
    return `Port ${holder.port} is held by an earlier launch of this backend that still runs (pid ${holder.pid}, started by supervisor pid ${holder.supervisorPid}): another copy of the app is running, or an earlier one did not stop; quit it, or end pid ${holder.pid}.`;
  },
  (failure, facts, tail) => {
    if (!exitCodes.has(failure.code)) return undefined;
    const refused = lastMatch(tail, /\b(?:listen|bind)\b.*\bEACCES\b|\bEACCES\b.*\b(?:listen|bind)\b|\[Errno 13\].*(?:bind|address)|(?:bind|listen).*\[Errno 13\]/i);
    if (!refused) return undefined;
    return `The backend was refused its port (permission denied: ${clip(refused.input)}): ${portAdvice(facts.platform)}.`;
  },
  // what the backend printed before it ended
  (failure, facts, tail) => {
    if (!exitCodes.has(failure.code)) return undefined;
    const missing = finalPythonException(tail);
    if (missing?.name !== 'ModuleNotFoundError' && missing?.name !== 'ImportError') return undefined;
    return `The Python interpreter that ran (${clip(facts.command, 300)}) lacks the app's packages (${clip(missing.message)}): install them into it, or set the command to the app's own environment (e.g. its venv's python).`;
  },
  (failure, facts, tail) => {
    if (!exitCodes.has(failure.code)) return undefined;
    const syntax = finalPythonException(tail);
    if (syntax?.name !== 'SyntaxError') return undefined;
    return `The backend's code does not parse with ${clip(facts.command, 300)} (SyntaxError: ${clip(syntax.message)}): the interpreter may be older than the code needs; check its version, or the file the log names.`;
  },
  (failure, _facts, tail) => {
    if (!exitCodes.has(failure.code)) return undefined;
    const loader = lastMatch(tail, /error while loading shared libraries: ([^:]+):|Library not loaded: (\S+)/);
    if (loader) {
      const library = loader[1] ?? loader[2] ?? 'a library';
      return `A shared library the backend needs is missing: ${clip(library)}; install it, or ship it with the app (and make the loader find it).`;
    }
    const code = detail(failure, 'exitCode');
    if (typeof code === 'number' && dllNotFound.has(code)) {
      return 'A DLL the backend needs is missing (exit code 0xC0000135, STATUS_DLL_NOT_FOUND): install the Visual C++ runtime it was built with, or ship the DLL next to the executable.';
    }
    return undefined;
  },
  (failure, _facts, tail) => {
    if (!exitCodes.has(failure.code)) return undefined;
    const gpu = lastMatch(
      tail,
      /CUDA out of memory|CUDA error: out of memory|cudaMalloc failed: out of memory|CUBLAS_STATUS_ALLOC_FAILED|ErrorOutOfMemory|Metal.*(?:out of memory|Insufficient Memory)|failed to allocate .*buffer/i,
    );
    if (!gpu) return undefined;
    return `The GPU ran out of memory (${clip(gpu.input)}): load a smaller model or fewer GPU layers, or close other programs that use the GPU.`;
  },
  // a signal this supervisor did not send: it stops a backend only from the stopping states
  (failure, facts) => {
    if ((failure.code !== 'CRASHED_DURING_STARTUP' && failure.code !== 'EXITED_UNEXPECTEDLY') || detail(failure, 'signal') !== 'SIGKILL') return undefined;
    const oom = facts.oomKills;
    if (oom && oom.after > oom.before) {
      return `The out-of-memory killer ended the backend: ${oom.file} counted ${oom.after - oom.before} OOM kill(s) since its launch; give it more memory or make it use less.`;
    }
    const notOom = oom ? ` (${oom.file} counted no OOM kill since its launch, so another program sent it)` : '';
    return `The backend was killed by SIGKILL, which this supervisor did not send${notOom}; on Linux the usual sender is the out-of-memory killer: check "journalctl -k | grep -i oom" or dmesg.`;
  },
  (failure, facts) => {
    const blockers = facts.stopBlockers;
    if (failure.code !== 'STOP_FAILED' || !blockers || blockers.length === 0) return undefined;
    const named = blockers.slice(0, 5).map((blocker) => `${blocker.pid} ${clip(blocker.command, 60)} (${blocker.seconds} s)`);
    return `Still alive after SIGKILL: ${named.join('; ')}. A process stuck in the kernel (state D, e.g. a hung network drive) or run by another user cannot be ended by this supervisor.`;
  },
];

/**
 * What to do about a failure, in plain words, when its evidence says why it happened; undefined
 * when no rule's evidence is there (a hint is never a guess). RESTART_LIMIT is explained by the
 * failure it gave up on.
 *
 * @example
 * const hint = failureHint(failure, { command: 'python3', platform: process.platform });
 * if (hint) console.error(`hint: ${hint}`);
 */
export function failureHint(failure: Failure, facts: FailureFacts): string | undefined {
  if (failure.code === 'RESTART_LIMIT' && failure.cause) return failureHint(failure.cause, facts);
  const tail = typeof failure.details?.outputTail === 'string' ? failure.details.outputTail : '';
  for (const rule of rules) {
    const hint = rule(failure, facts, tail);
    if (hint !== undefined) return hint;
  }
  return undefined;
}
