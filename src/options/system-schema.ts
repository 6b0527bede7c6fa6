import { custom, type JsonSchema, objectSchema, type OptionSpec } from './schema.js';
import { supervisorFields } from './supervisor-schema.js';
import { type BackendServiceOptions, serviceFields } from './system-options.js';

/** The options of `createBackendSystem`, as the docs list them (the services are checked by `validateServices`). */
export const systemFields = {
  services: custom<Readonly<Record<string, BackendServiceOptions>>>()({
    type: 'custom',
    required: true,
    typeText: '`Record<string, service>`',
    json: {},
    doc: 'The services by name (letters, digits, `.`, `_`, `-`); each takes a supervisor\'s options and the service options.',
  }),
  inspect: supervisorFields.inspect,
  // (test/unit/options-schema.test.ts holds these equal to BackendSystemOptions: system.ts sits above this room)
} as const satisfies Record<'services' | 'inspect', OptionSpec>;

/** Where the published schema of system files lives, from the package root. */
export const systemSchemaFile = 'schema/system.schema.json';

/**
 * The JSON Schema of a system file (`backend-lifecycle up`): editors that read `"$schema"` (or
 * `# yaml-language-server: $schema=`) complete and check every option of every service. A
 * service's `name` is its key and `inspect` is code, so neither is in a file.
 */
export function systemFileSchema(): JsonSchema {
  const { name: _name, inspect: _inspect, ...fileFields } = supervisorFields;
  const service = objectSchema({ ...fileFields, ...serviceFields }, ['command']);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://unpkg.com/backend-lifecycle/schema/system.schema.json',
    title: 'backend-lifecycle system file',
    description: 'Several backends as one system, for `backend-lifecycle up <file>`. Relative cwd, logDir and stateDir are resolved against the file\'s folder.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'This schema, for editors.' },
      services: {
        type: 'object',
        description: 'The services by name.',
        minProperties: 1,
        propertyNames: { pattern: '^[A-Za-z0-9._-]+$', maxLength: 128 },
        additionalProperties: service,
      },
    },
    required: ['services'],
    additionalProperties: false,
  };
}
