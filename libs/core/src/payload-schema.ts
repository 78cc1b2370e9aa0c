import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Whether an event type's JSON Schema is applied to its messages' payloads (Idem extension). */
export enum SchemaEnforcement {
  /** Not applied: Svix's behaviour. */
  Off = 'off',
  /** Applied; a payload that does not validate is accepted, and the message records what failed. For rolling a schema out. */
  Observe = 'observe',
  /** Applied; a payload that does not validate is refused with a 422 naming the pointer and rule. */
  Enforce = 'enforce',
}

/** One way a payload breaks its schema: where (a JSON Pointer into the payload), which rule, and what it says. */
export interface SchemaViolation {
  pointer: string;
  rule: string;
  message: string;
}

/** At most this many violations are reported for one payload. */
const MAX_VIOLATIONS = 10;

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));

export type PayloadCheck = (payload: unknown) => SchemaViolation[];

/**
 * Svix keys an event type's schemas by version ("1", "2", ...); messages are checked against the
 * newest. Null when there is none.
 */
export function newestSchema(schemas: Record<string, unknown> | null): { version: string; schema: unknown } | null {
  const versions = Object.keys(schemas ?? {}).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const version = versions.at(-1);
  return version === undefined ? null : { version, schema: schemas![version] };
}

/** Compiles `schema` once (the costly part); the check it returns is cheap. Throws with ajv's reason if it is not a valid JSON Schema. */
export function compilePayloadSchema(schema: unknown): PayloadCheck {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error('a schema must be a JSON object');
  const validate: ValidateFunction = ajv.compile(schema);
  return (payload) => (validate(payload) ? [] : (validate.errors ?? []).slice(0, MAX_VIOLATIONS).map(violationOf));
}

function violationOf(error: ErrorObject): SchemaViolation {
  // A missing property is reported at its parent: name the property itself.
  const pointer = error.keyword === 'required' ? `${error.instancePath}/${String((error.params as { missingProperty: string }).missingProperty)}` : error.instancePath;
  return { pointer: pointer || '/', rule: error.keyword, message: error.message ?? error.keyword };
}

/**
 * The example payload Svix's send-example sends: the `examples` of the newest schema, the first unless
 * `index` says otherwise; `{}` when the schema has none. Null when `index` names no example.
 */
export function examplePayloadOf(schemas: Record<string, unknown> | null, index = 0): Record<string, unknown> | null {
  const examples = (newestSchema(schemas)?.schema as { examples?: unknown } | undefined)?.examples;
  if (!Array.isArray(examples) || examples.length === 0) return index === 0 ? {} : null;
  const example: unknown = examples[index];
  return typeof example === 'object' && example !== null && !Array.isArray(example) ? (example as Record<string, unknown>) : null;
}
