import type { AnyEventObject, CallbackLogicFunction, EventObject, fromPromise, NonReducibleUnknown } from 'xstate';

/** What `fromPromise` runs: an actor's work without its logic wrapper, so the work can load lazily. */
export type PromiseWork<TOutput, TInput = NonReducibleUnknown> = Parameters<typeof fromPromise<TOutput, TInput>>[0];

/** What `fromCallback` runs, likewise. */
export type CallbackWork<TEvent extends EventObject, TInput> = CallbackLogicFunction<TEvent, AnyEventObject, TInput>;
