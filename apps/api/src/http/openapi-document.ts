import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { DECORATORS, DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { IS_ORGANISATION_WIDE } from '../auth/organisation-wide.decorator';
import { IS_PUBLIC } from '../auth/public.decorator';
import { API_ERRORS, DocumentedError } from './api-errors.decorator';
import { HttpErrorOut, HttpValidationErrorOut } from './http-error.dto';

const BEARER_SCHEME = 'bearer';

/** The errors that whole kinds of routes answer, from the guards, pipes, interceptor and request limits. */
const COMMON_ERRORS = {
  unauthenticated: { status: 401, description: '`authentication_failed`: the bearer token is missing, unknown or revoked' },
  rateLimited: {
    status: 429,
    description: '`rate_limited`: more than `IDEM_API_RATE_LIMIT` requests in one second with this token; `Retry-After` says when to retry',
  },
  organisationWide: {
    status: 403,
    description: '`forbidden`: the token is scoped to one application, and this operation needs an organisation-wide token',
  },
  invalidJson: { status: 400, description: '`bad_request`: the body is not valid JSON' },
  bodyTooLarge: { status: 413, description: '`payload_too_large`: the body is larger than `IDEM_MAX_PAYLOAD_BYTES`' },
  notJson: { status: 415, description: '`unsupported_media_type`: the body is not sent as `Content-Type: application/json` in UTF-8' },
  invalidBody: {
    status: 422,
    shape: 'validation',
    description: 'the body breaks a rule (type, format, length, JSON nested deeper than 64, a NUL character), each named by its `loc`',
  },
  invalidQuery: { status: 422, shape: 'validation', description: 'a query parameter breaks a rule, named by its `loc`' },
  idempotencyInFlight: { status: 409, description: '`idempotency_in_flight`: a request with this Idempotency-Key is still running' },
  invalidIdempotencyKey: { status: 422, shape: 'validation', description: 'the Idempotency-Key is empty or longer than 256 characters' },
  idempotencyKeyReused: { status: 422, description: '`idempotency_key_reused`: this Idempotency-Key was used with a different request' },
} satisfies Record<string, DocumentedError>;

const IDEMPOTENCY_KEY: ParameterObject = {
  name: 'idempotency-key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key and body within `IDEM_IDEMPOTENCY_RETENTION` replay the first 2xx answer, with `Idempotent-Replayed: true`. Keys are scoped to the token and the route.',
  schema: { type: 'string', minLength: 1, maxLength: 256 },
};

/** What each path parameter names; routes take an id or the uid wherever Svix does. */
const PATH_PARAMETERS: Readonly<Record<string, string>> = {
  app_id: "The application's id (`app_...`) or uid",
  endpoint_id: "The endpoint's id (`ep_...`) or uid",
  msg_id: "The message's id (`msg_...`), or its `eventId` while that is remembered",
  attempt_id: "The attempt's id (`atmpt_...`)",
  event_type_name: "The event type's name",
  task_id: "The background task's id",
  token_id: "The API token's id",
  saga_id: "The saga's id (`saga_...`) or the producer's `sagaId`",
};

const REPLAYED_HEADER = {
  'Idempotent-Replayed': { description: '`true` when this answer is the replay of an earlier one', schema: { type: 'string', enum: ['true'] } },
};

/** What the document needs to know of one route handler, read from the metadata the guards and interceptors read. */
interface RouteFacts {
  isPublic: boolean;
  organisationWide: boolean;
  errors: DocumentedError[];
}

/**
 * The OpenAPI document served at `/docs`. Every operation needs the bearer token unless its route
 * is `@Public()`, and documents each error it can answer: those of its own rules (`@ApiErrors`),
 * and those that the guards, validation, request limits and the Idempotency-Key interceptor give
 * every route of a kind. Those are added here, from the metadata the guards read (`@Public()`,
 * `@OrganisationWide()`) and from what the operation takes (a body, a query, a POST), so that a new
 * route is documented as the API treats it without anyone repeating it.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Idem')
    .setDescription(
      'Svix-compatible webhook delivery API. Authorize with `IDEM_ADMIN_TOKEN` or an API token (`POST /api/v1/auth/token`). ' +
        'Errors are `{code, detail}`, or for 422 a `detail` list of `{loc, msg, type}`.',
    )
    .addSecurity(BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: '`IDEM_ADMIN_TOKEN`, or an API token (`idem_...`), organisation-wide or scoped to one application',
    })
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [HttpErrorOut, HttpValidationErrorOut] });
  const routes = routeFactsOf(app);
  for (const pathItem of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(pathItem) as [string, OperationObject][]) {
      const route = operation.operationId === undefined ? undefined : routes.get(operation.operationId);
      if (!route) throw new Error(`OpenAPI: no route handler has the operationId of ${method.toUpperCase()} ${operation.operationId}`);
      documentOperation(method, operation, route);
    }
  }
  return document;
}

function documentOperation(method: string, operation: OperationObject, route: RouteFacts): void {
  for (const parameter of operation.parameters ?? []) {
    if ('in' in parameter && parameter.in === 'path') parameter.description ??= PATH_PARAMETERS[parameter.name];
  }
  const errors = [...route.errors];
  if (route.isPublic) {
    operation.security = [];
  } else {
    errors.push(COMMON_ERRORS.unauthenticated, COMMON_ERRORS.rateLimited);
    if (route.organisationWide) errors.push(COMMON_ERRORS.organisationWide);
  }
  if (operation.requestBody) errors.push(COMMON_ERRORS.invalidJson, COMMON_ERRORS.bodyTooLarge, COMMON_ERRORS.notJson, COMMON_ERRORS.invalidBody);
  if ((operation.parameters ?? []).some((parameter) => 'in' in parameter && parameter.in === 'query')) errors.push(COMMON_ERRORS.invalidQuery);
  // The interceptor (or the message intake) applies the key on every authenticated POST.
  if (method === 'post' && !route.isPublic) {
    operation.parameters = [...(operation.parameters ?? []), IDEMPOTENCY_KEY];
    errors.push(COMMON_ERRORS.idempotencyInFlight, COMMON_ERRORS.invalidIdempotencyKey, COMMON_ERRORS.idempotencyKeyReused);
    for (const [status, response] of Object.entries(operation.responses)) {
      if (status.startsWith('2') && response !== undefined && !('$ref' in response)) response.headers = { ...response.headers, ...REPLAYED_HEADER };
    }
  }
  for (const [status, response] of errorResponses(errors)) operation.responses[status] = response;
}

/** One response per status; a status with several causes lists them all, and each body shape they use. */
function errorResponses(errors: DocumentedError[]): Map<number, ResponseObject> {
  const byStatus = new Map<number, DocumentedError[]>();
  for (const error of errors) byStatus.set(error.status, [...(byStatus.get(error.status) ?? []), error]);
  const responses = new Map<number, ResponseObject>();
  for (const [status, causes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const shapes = [...new Set(causes.map((cause) => cause.shape ?? 'error'))].map((shape) => ({
      $ref: getSchemaPath(shape === 'validation' ? HttpValidationErrorOut : HttpErrorOut),
    }));
    const response: ResponseObject = {
      description: causes.length === 1 ? causes[0].description : causes.map((cause) => `- ${cause.description}`).join('\n'),
      content: { 'application/json': { schema: shapes.length === 1 ? shapes[0] : { oneOf: shapes } } },
    };
    if (status === 429) response.headers = { 'Retry-After': { description: 'Whole seconds until a retry can succeed', schema: { type: 'integer' } } };
    responses.set(status, response);
  }
  return responses;
}

/** Every route handler by the operationId `SwaggerModule` gives it: its own, or `Controller_method`. */
function routeFactsOf(app: INestApplication): Map<string, RouteFacts> {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes = new Map<string, RouteFacts>();
  for (const { metatype, instance } of new DiscoveryService(app.get(ModulesContainer)).getControllers()) {
    if (!metatype || !instance) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, (...args: unknown[]) => unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const operation = Reflect.getMetadata(DECORATORS.API_OPERATION, handler) as { operationId?: string } | undefined;
      const targets = [handler, metatype];
      routes.set(operation?.operationId ?? `${metatype.name}_${name}`, {
        isPublic: reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false,
        organisationWide: reflector.getAllAndOverride<boolean | undefined>(IS_ORGANISATION_WIDE, targets) ?? false,
        errors: reflector.get<DocumentedError[] | undefined>(API_ERRORS, handler) ?? [],
      });
    }
  }
  return routes;
}
