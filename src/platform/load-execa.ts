type ExecaModule = typeof import('execa');

// execa (a 240 KB chunk of the bundle, 25–60 ms to evaluate) loads on first use, never with
// the package: a strategy that needs it only for a stop or a table read must not put it before a spawn
let loading: Promise<ExecaModule> | undefined;
let loaded: ExecaModule | undefined;

/** execa, loaded once, on first use (every process the package starts goes through it). */
export function loadExeca(): Promise<ExecaModule> {
  loading ??= import('execa').then(
    (module) => {
      loaded = module;
      return module;
    },
    (error: unknown) => {
      loading = undefined; // the next launch tries again
      throw new Error(`execa cannot be loaded (${error instanceof Error ? error.message : String(error)}): is the backend-lifecycle installation complete?`);
    },
  );
  return loading;
}

/** execa if it has loaded already, for the exit hook's synchronous calls (Node is exiting: nothing can be awaited). */
export const loadedExeca = (): ExecaModule | undefined => loaded;
