// The image (executable path) of another Windows process, through koffi: wmic's ExecutablePath is
// missing under Wine and wmic itself on Windows 11 24H2. Loaded lazily, on win32 only.

/** Reads one process's image path; undefined when it is gone or not ours to open. */
export type ImageReader = (pid: number) => string | undefined;

// PROCESS_QUERY_LIMITED_INFORMATION: enough for QueryFullProcessImageNameW, granted for most processes
const queryLimited = 0x1000;
const maxPath = 32_768;

async function bindImageReader(): Promise<ImageReader> {
  const koffi = (await import('koffi')).default;
  const kernel32 = koffi.load('kernel32.dll');
  const OpenProcess = kernel32.func('void * __stdcall OpenProcess(uint32 access, int inherit, uint32 pid)');
  const QueryFullProcessImageNameW = kernel32.func('int __stdcall QueryFullProcessImageNameW(void *process, uint32 flags, _Out_ uint8_t *name, _Inout_ uint32_t *size)');
  const CloseHandle = kernel32.func('int __stdcall CloseHandle(void *handle)');
  const name = Buffer.alloc(maxPath * 2);
  return (pid) => {
    const handle = OpenProcess(queryLimited, 0, pid);
    if (!handle) return undefined;
    try {
      const size = [maxPath];
      if (QueryFullProcessImageNameW(handle, 0, name, size) === 0) return undefined;
      return name.toString('utf16le', 0, (size[0] ?? 0) * 2);
    } finally {
      CloseHandle(handle);
    }
  };
}

let binding: Promise<ImageReader | undefined> | undefined;

/** The reader, bound once; undefined where koffi cannot be loaded (then wmic or PowerShell answer). */
export function loadImageReader(): Promise<ImageReader | undefined> {
  binding ??= process.platform !== 'win32' ? Promise.resolve(undefined) : bindImageReader().catch(() => undefined);
  return binding;
}
