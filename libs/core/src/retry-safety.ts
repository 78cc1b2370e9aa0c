import { FieldProblem } from './idem-error';

/** What one message of an event type means to its receiver (Idem extension on event types). */
export enum EventSemantics {
  /** A thing to do once: today's behaviour, made safe by idempotency keys. */
  Command = 'command',
  /** The whole state of one entity at one version: only the newest is worth sending. */
  State = 'state',
  /** A change to one entity, applying to the version it names. */
  Delta = 'delta',
}

export enum EntityOrdering {
  None = 'none',
  /** Per-entity ordered lanes: one delivery in flight per (endpoint, entity), in the order accepted. */
  Entity = 'entity',
}

/** What an ordered lane does when its head runs out of attempts. */
export enum LaneExhaustion {
  /** The head fails and the lane moves on to the next message. */
  Skip = 'skip',
  /** The head is `blocked` and the lane waits until it is resent (or recovered) successfully. */
  Block = 'block',
}

/** An event type's retry-safety contract: how Idem finds the entity and version a message is about. */
export interface RetrySafety {
  semantics: EventSemantics;
  /** A name shared by the event types that describe one kind of entity. */
  entity: string | null;
  /** JSON Pointer to the entity's id (a string or an integer) in the payload. */
  entityIdPath: string | null;
  /** JSON Pointer to the entity's version (a non-negative integer) in the payload. */
  versionPath: string | null;
  ordering: EntityOrdering;
  /** With `ordering: "entity"`: what the lane does when its head's attempts run out. */
  onExhausted: LaneExhaustion;
}

/** The entity a message is about, read from its payload by its event type's contract. */
export interface MessageEntityRef {
  name: string;
  id: string;
  version: number | null;
}

const POINTER = /^(\/([^~/]|~[01])*)+$/;

/** Why a contract cannot be applied, as problems located under `retrySafety`; none when it can. */
export function retrySafetyProblems(contract: RetrySafety): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (field: string, msg: string) => problems.push({ loc: ['retrySafety', field], msg, type: 'value_error' });
  if (contract.semantics === EventSemantics.Command) {
    // A command names no entity, so there is no lane to order its messages in.
    if (contract.ordering === EntityOrdering.Entity) at('ordering', 'ordering "entity" needs the entity its messages are about: semantics "state" or "delta"');
    return problems;
  }
  if (!contract.entity) at('entity', `semantics "${contract.semantics}" needs the entity's name`);
  if (!contract.entityIdPath) at('entityIdPath', `semantics "${contract.semantics}" needs entityIdPath`);
  else if (!POINTER.test(contract.entityIdPath)) at('entityIdPath', 'entityIdPath must be a JSON Pointer such as /id');
  if (contract.semantics === EventSemantics.State && !contract.versionPath) at('versionPath', 'semantics "state" needs versionPath');
  if (contract.versionPath && !POINTER.test(contract.versionPath)) at('versionPath', 'versionPath must be a JSON Pointer such as /version');
  if (contract.ordering === EntityOrdering.Entity && !contract.entity) at('ordering', 'ordering "entity" needs the entity its messages are about');
  if (contract.ordering === EntityOrdering.None && contract.onExhausted !== LaneExhaustion.Skip) {
    at('onExhausted', 'onExhausted applies to ordered lanes: set ordering "entity" as well');
  }
  return problems;
}

/**
 * The entity a payload is about under `contract`, or the problems that stop reading it (located under
 * `payload`, at the pointer). Null for commands.
 */
export function entityOf(contract: RetrySafety, payload: unknown): { entity: MessageEntityRef | null; problems: FieldProblem[] } {
  if (contract.semantics === EventSemantics.Command || !contract.entity || !contract.entityIdPath) return { entity: null, problems: [] };
  const problems: FieldProblem[] = [];
  const id = resolvePointer(payload, contract.entityIdPath);
  const idText = typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : Number.isSafeInteger(id) ? String(id) : null;
  if (idText === null) problems.push(payloadProblem(contract.entityIdPath, id === undefined ? 'the entity id is missing' : 'the entity id must be a non-empty string (at most 256 characters) or an integer'));
  let version: number | null = null;
  if (contract.versionPath) {
    const value = resolvePointer(payload, contract.versionPath);
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) version = value;
    else problems.push(payloadProblem(contract.versionPath, value === undefined ? 'the entity version is missing' : 'the entity version must be a non-negative integer'));
  }
  return problems.length > 0 ? { entity: null, problems } : { entity: { name: contract.entity, id: idText!, version }, problems };
}

function payloadProblem(pointer: string, msg: string): FieldProblem {
  return { loc: ['payload', ...segmentsOf(pointer)], msg: `${msg} (${pointer})`, type: 'value_error.retry_safety' };
}

/** The segments of a JSON Pointer (RFC 6901), unescaped. */
export function segmentsOf(pointer: string): string[] {
  return pointer === '' || pointer === '/' ? [] : pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolvePointer(document: unknown, pointer: string): unknown {
  let here: unknown = document;
  for (const segment of segmentsOf(pointer)) {
    if (typeof here !== 'object' || here === null || !Object.prototype.hasOwnProperty.call(here, segment)) return undefined;
    here = (here as Record<string, unknown>)[segment];
  }
  return here;
}
