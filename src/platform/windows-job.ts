// A Windows Job Object per backend, through koffi (an FFI whose Windows binaries ship in npm
// packages, so nothing is compiled on the user's machine). Loaded lazily, on win32 only: importing
// the package never pays for it, and other systems never load it.

/** The few kernel32 calls a job needs, bound once. */
interface Kernel32 {
  createJob(): unknown;
  setKillOnClose(job: unknown): boolean;
  openProcess(pid: number): unknown;
  assign(job: unknown, processHandle: unknown): boolean;
  terminate(job: unknown): boolean;
  processIds(job: unknown): number[] | undefined;
  close(handle: unknown): void;
}

// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the last handle to the job closing (our process ending, even
// by TerminateProcess) terminates every process in it
const killOnJobClose = 0x2000;
const jobObjectBasicProcessIdList = 3;
const jobObjectExtendedLimitInformation = 9;
// PROCESS_SET_QUOTA | PROCESS_TERMINATE: what AssignProcessToJobObject asks of the process handle
const assignAccess = 0x0100 | 0x0001;
const maxListed = 4096;

async function bindKernel32(): Promise<Kernel32> {
  const koffi = (await import('koffi')).default;
  const kernel32 = koffi.load('kernel32.dll');
  const basic = koffi.struct('BL_JOB_BASIC_LIMITS', {
    perProcessUserTimeLimit: 'int64',
    perJobUserTimeLimit: 'int64',
    limitFlags: 'uint32',
    minimumWorkingSetSize: 'size_t',
    maximumWorkingSetSize: 'size_t',
    activeProcessLimit: 'uint32',
    affinity: 'uintptr_t',
    priorityClass: 'uint32',
    schedulingClass: 'uint32',
  });
  const io = koffi.struct('BL_IO_COUNTERS', { reads: 'uint64', writes: 'uint64', others: 'uint64', readBytes: 'uint64', writeBytes: 'uint64', otherBytes: 'uint64' });
  const extended = koffi.struct('BL_JOB_EXTENDED_LIMITS', {
    basic,
    io,
    processMemoryLimit: 'size_t',
    jobMemoryLimit: 'size_t',
    peakProcessMemoryUsed: 'size_t',
    peakJobMemoryUsed: 'size_t',
  });
  const CreateJobObjectW = kernel32.func('void * __stdcall CreateJobObjectW(void *attributes, void *name)');
  const SetInformationJobObject = kernel32.func('int __stdcall SetInformationJobObject(void *job, int infoClass, _In_ BL_JOB_EXTENDED_LIMITS *info, uint32 length)');
  const OpenProcess = kernel32.func('void * __stdcall OpenProcess(uint32 access, int inherit, uint32 pid)');
  const AssignProcessToJobObject = kernel32.func('int __stdcall AssignProcessToJobObject(void *job, void *process)');
  const TerminateJobObject = kernel32.func('int __stdcall TerminateJobObject(void *job, uint32 exitCode)');
  const QueryInformationJobObject = kernel32.func('int __stdcall QueryInformationJobObject(void *job, int infoClass, _Out_ uint8_t *info, uint32 length, void *returned)');
  const CloseHandle = kernel32.func('int __stdcall CloseHandle(void *handle)');
  const size = koffi.sizeof(extended);
  return {
    createJob: () => CreateJobObjectW(null, null),
    setKillOnClose: (job) => SetInformationJobObject(job, jobObjectExtendedLimitInformation, { basic: { limitFlags: killOnJobClose } }, size) !== 0,
    openProcess: (pid) => OpenProcess(assignAccess, 0, pid),
    assign: (job, handle) => AssignProcessToJobObject(job, handle) !== 0,
    terminate: (job) => TerminateJobObject(job, 1) !== 0,
    processIds(job) {
      // JOBOBJECT_BASIC_PROCESS_ID_LIST: two 32-bit counts, then one pointer-sized pid per process
      const buffer = Buffer.alloc(8 + 8 * maxListed);
      if (QueryInformationJobObject(job, jobObjectBasicProcessIdList, buffer, buffer.length, null) === 0) return undefined;
      const listed = Math.min(buffer.readUInt32LE(4), maxListed);
      return Array.from({ length: listed }, (_, index) => Number(buffer.readBigUInt64LE(8 + 8 * index)));
    },
    close: (handle) => {
      CloseHandle(handle);
    },
  };
}

let binding: Promise<Kernel32 | undefined> | undefined;
let loadError: string | undefined;

/**
 * Loads koffi and binds kernel32 once (win32 only); undefined, with `jobUnavailableReason()` saying
 * why, where it cannot be loaded (not Windows, koffi not installed, an unsupported architecture).
 * Start it early: the first launch awaits it before it spawns.
 */
export function loadJobApi(): Promise<Kernel32 | undefined> {
  binding ??=
    process.platform !== 'win32' || process.env.BACKEND_LIFECYCLE_NO_JOB === '1'
      ? Promise.resolve(undefined)
      : bindKernel32().catch((error: unknown) => {
          loadError = error instanceof Error ? error.message : String(error);
          return undefined;
        });
  return binding;
}

/** Why no job can be made here (after `loadJobApi` settled), for the launch log. */
export const jobUnavailableReason = (): string =>
  process.platform !== 'win32' ? 'not Windows' : process.env.BACKEND_LIFECYCLE_NO_JOB === '1' ? 'BACKEND_LIFECYCLE_NO_JOB=1' : (loadError ?? 'koffi did not load');

/** One backend's Job Object: its process list is the backend's tree; it dies with us (kill on close). */
export interface BackendJob {
  /** Live processes in the job (the backend and everything it started after joining), undefined when unreadable. */
  pids(): number[] | undefined;
  /** Terminates every process in the job at once; false when that failed. */
  terminate(): boolean;
  /** Lets go of the job; with kill-on-close that ends whatever is still in it. */
  close(): void;
}

/**
 * Puts a just-spawned process into a new kill-on-close job. Synchronous on purpose (a few
 * microseconds of FFI): the sooner the backend joins, the fewer of its children start outside.
 * Returns the job, or the reason it could not be made.
 */
export function jobFor(api: Kernel32, pid: number): BackendJob | string {
  const job = api.createJob();
  if (!job) return 'CreateJobObjectW failed';
  const fail = (reason: string) => {
    api.close(job);
    return reason;
  };
  if (!api.setKillOnClose(job)) return fail('SetInformationJobObject (kill on job close) failed');
  const handle = api.openProcess(pid);
  if (!handle) return fail(`OpenProcess(${pid}) failed`);
  const assigned = api.assign(job, handle);
  api.close(handle);
  if (!assigned) return fail(`AssignProcessToJobObject(${pid}) failed`);
  let open = true;
  return {
    pids: () => (open ? api.processIds(job) : []),
    terminate: () => open && api.terminate(job),
    close() {
      if (!open) return;
      open = false;
      api.close(job);
    },
  };
}
