import { invalidOption } from '../errors.js';
import { booleanOption, environmentOption, integerOption, objectOption, stringArrayOption, stringOption } from './validate.js';

/** A bound or default that may depend on the options beside it (`port.attempts` on `port.base`). */
export type Derived<T> = T | ((siblings: Record<string, unknown>) => T);

/**
 * One option, declared once: what it accepts, its default, and the words the docs, the JSON
 * Schema and every refusal use. `doc` is one line of Markdown; `defaultText` shows a default that
 * is computed (a folder, a fraction of another option).
 */
export type OptionSpec = { doc: string; defaultText?: string } & (
  | {
      type: 'integer';
      min: Derived<number>;
      max: Derived<number>;
      default?: Derived<number>;
      minText?: string;
      maxText?: string;
      /** Refusal words of their own (`a positive whole number of bytes`) instead of `an integer from min to max`. */
      expected?: string;
    }
  | { type: 'string'; default?: string; required?: true; startsWith?: { prefix: string; expected: string } }
  | { type: 'boolean'; default?: boolean }
  | { type: 'enum'; values: readonly string[]; expected: string; default?: string }
  | { type: 'strings' }
  | { type: 'env' }
  | { type: 'object'; fields: OptionFields; optional?: true }
  // what a table cannot say (an IP address, an existing folder, a function): its own check, and its JSON Schema
  | CustomSpec<unknown>
);

/**
 * An option the table cannot describe: its own check and JSON Schema. `T` is the type it accepts,
 * carried in the type only (see `custom`), so that `OptionsOf` knows it.
 */
export type CustomSpec<T> = {
  type: 'custom';
  typeText: string;
  json: JsonSchema;
  required?: true;
  check?: (value: unknown, name: string, siblings: Record<string, unknown>) => unknown;
  /** Never set: the type of the values this option accepts, for `OptionsOf`. */
  readonly accepts?: T;
};

/**
 * Declares a custom option that accepts values of type `T`.
 *
 * @example
 * const host = custom<string>()({ type: 'custom', typeText: 'string', json: { type: 'string' }, check: checkHost, doc: 'The IP address the backend binds.' });
 */
export const custom =
  <T>() =>
  <S extends Omit<CustomSpec<T>, 'accepts'> & { doc: string; defaultText?: string }>(spec: S): S & { readonly accepts?: T } =>
    spec;

/** The type of the values an option accepts, read from its declaration. */
export type InputOf<S> = S extends { type: 'integer' }
  ? number
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : S extends { type: 'strings' }
          ? readonly string[]
          : S extends { type: 'env' }
            ? Readonly<Record<string, string | undefined>>
            : S extends { type: 'object'; fields: infer F }
              ? OptionsOf<F>
              : S extends { accepts?: infer T }
                ? T
                : never;

type RequiredKeys<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];

/**
 * The options object a schema describes: each option of the type its entry accepts, optional
 * unless the entry is `required`. The hand-written option types (kept for their TSDoc) are held
 * equal to this by `test/unit/options-schema.test.ts`.
 */
export type OptionsOf<F> = Flatten<{ [K in RequiredKeys<F>]: InputOf<F[K]> } & { [K in Exclude<keyof F, RequiredKeys<F>>]?: InputOf<F[K]> }>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** The options of one object, in the order they are checked and listed. */
export type OptionFields = Readonly<Record<string, OptionSpec>>;

/** A JSON Schema (draft 2020-12) fragment. */
export type JsonSchema = { [key: string]: unknown };

const value = <T>(derived: Derived<T>, siblings: Record<string, unknown>): T =>
  typeof derived === 'function' ? (derived as (s: Record<string, unknown>) => T)(siblings) : derived;

/**
 * Checks one option and returns it with its default filled in; a refusal names the option by
 * its full path (`port.attempts`) with the exact words of `invalidOption`.
 */
export function resolveOption(spec: OptionSpec, given: unknown, name: string, siblings: Record<string, unknown>): unknown {
  switch (spec.type) {
    case 'integer': {
      if (given === undefined) return spec.default === undefined ? undefined : value(spec.default, siblings);
      const [min, max] = [value(spec.min, siblings), value(spec.max, siblings)];
      if (spec.expected === undefined) return integerOption(given, name, min, max, 0);
      if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < min || given > max) throw invalidOption(name, spec.expected, given);
      return given;
    }
    case 'string': {
      if (given === undefined && spec.required) throw invalidOption(name, spec.startsWith?.expected ?? 'a non-empty string', given);
      const text = stringOption(given, name, spec.default ?? '');
      if (given !== undefined && spec.startsWith && !text.startsWith(spec.startsWith.prefix)) throw invalidOption(name, spec.startsWith.expected, given);
      return given === undefined ? spec.default : text;
    }
    case 'boolean':
      return booleanOption(given, name, spec.default ?? false);
    case 'enum': {
      const chosen = given ?? spec.default;
      if (typeof chosen !== 'string' || !spec.values.includes(chosen)) throw invalidOption(name, spec.expected, chosen);
      return chosen;
    }
    case 'strings':
      return stringArrayOption(given, name);
    case 'env':
      return environmentOption(given, name);
    case 'object':
      if (given === undefined && spec.optional) return undefined;
      return resolveFields(spec.fields, objectOption(given, name, Object.keys(spec.fields)), `${name}.`, siblings);
    case 'custom':
      return spec.check ? spec.check(given, name, siblings) : given;
  }
}

/**
 * Checks every field of an object in declaration order; each sees the fields resolved before it,
 * and those of the objects around it (`shutdown.request.waitMs` is bounded by `shutdown.graceMs`).
 */
export function resolveFields(fields: OptionFields, given: Record<string, unknown>, prefix: string, outer: Record<string, unknown> = {}): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(fields)) {
    const result = resolveOption(spec, given[key], `${prefix}${key}`, { ...outer, ...given, ...resolved });
    if (result !== undefined) resolved[key] = result;
  }
  return resolved;
}

/** The JSON Schema of one option (bounds that depend on other options are given at their widest). */
export function jsonSchemaOf(spec: OptionSpec): JsonSchema {
  const described = (schema: JsonSchema, fallback?: unknown): JsonSchema => ({
    description: plain(spec.doc),
    ...schema,
    ...(fallback !== undefined && typeof fallback !== 'function' ? { default: fallback } : {}),
  });
  switch (spec.type) {
    case 'integer': {
      const min = typeof spec.min === 'number' ? spec.min : 0;
      const max = typeof spec.max === 'number' && Number.isSafeInteger(spec.max) ? spec.max : undefined;
      return described({ type: 'integer', minimum: min, ...(max === undefined ? {} : { maximum: max }) }, spec.default);
    }
    case 'string':
      return described({ type: 'string', minLength: 1, ...(spec.startsWith ? { pattern: `^${spec.startsWith.prefix}` } : {}) }, spec.default);
    case 'boolean':
      return described({ type: 'boolean' }, spec.default);
    case 'enum':
      return described({ enum: [...spec.values] }, spec.default);
    case 'strings':
      return described({ type: 'array', items: { type: 'string' } });
    case 'env':
      return described({ type: 'object', additionalProperties: { type: 'string' } });
    case 'object':
      return described(objectSchema(spec.fields));
    case 'custom':
      return described(spec.json);
  }
}

/** The JSON Schema of an object of options: its fields, and no others. */
export function objectSchema(fields: OptionFields, required: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(fields).map(([key, spec]) => [key, jsonSchemaOf(spec)])),
    ...(required.length > 0 ? { required: [...required] } : {}),
    additionalProperties: false,
  };
}

// Markdown to the plain text an editor shows in its completion tooltip
const plain = (markdown: string): string => markdown.replace(/`/g, '');

/** The type of an option as the docs show it. */
export function typeText(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
      return 'integer';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return spec.values.map((item) => `\`'${item}'\``).join(' \\| ');
    case 'strings':
      return 'string[]';
    case 'env':
      return '`Record<string, string \\| undefined>`';
    case 'object':
      return 'object';
    case 'custom':
      return spec.typeText;
  }
}

function defaultText(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.type === 'strings') return '`[]`';
  if (spec.type === 'env') return '`{}`';
  if (spec.type === 'object' || spec.type === 'custom') return '';
  const fallback = spec.default;
  if (fallback === undefined || typeof fallback === 'function') return '';
  return typeof fallback === 'string' ? `\`'${fallback}'\`` : `\`${fallback}\``;
}

function rangeText(spec: OptionSpec): string {
  if (spec.type !== 'integer') return '';
  const min = spec.minText ?? (typeof spec.min === 'number' ? String(spec.min) : '');
  const max = spec.maxText ?? (typeof spec.max === 'number' && Number.isSafeInteger(spec.max) ? String(spec.max) : '');
  return max === '' ? ` (≥ ${min})` : ` (${min}–${max})`;
}

/**
 * The Markdown table of an object's options, nested objects flattened to `a.b` rows; `nested`
 * lists the fields of an option that is not an object in every form (`port`: a number or a range).
 */
export function optionsTable(fields: OptionFields, required: readonly string[] = [], nested: Readonly<Record<string, OptionFields>> = {}): string {
  const rows: string[] = ['| option | type | default | what it does |', '|---|---|---|---|'];
  const walk = (entries: OptionFields, prefix: string) => {
    for (const [key, spec] of Object.entries(entries)) {
      const name = `${prefix}${key}`;
      const fallback = required.includes(name) ? 'required' : defaultText(spec);
      rows.push(`| \`${name}\` | ${typeText(spec)}${rangeText(spec)} | ${fallback} | ${spec.doc.replace(/\|/g, '\\|')} |`);
      const inner = spec.type === 'object' ? spec.fields : nested[name];
      if (inner) walk(inner, `${name}.`);
    }
  };
  walk(fields, '');
  return rows.join('\n');
}
