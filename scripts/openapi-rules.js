// What every operation of Idem's OpenAPI document must say, checked by walking the whole document.
// Shared by the test suite (the document built from source) and scripts/smoke.js (the built API's,
// where the @nestjs/swagger build plugin has also described the DTOs).

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const ERROR_SCHEMAS = ['#/components/schemas/HttpErrorOut', '#/components/schemas/HTTPValidationError'];

/** Every operation of the document, with its method and path. */
function operationsOf(document) {
  const operations = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) if (item[method]) operations.push({ method, path, operation: item[method] });
  }
  return operations;
}

/** A list operation, named as Svix names them: `v1.application.list`, `v1.message-attempt.list-by-msg`. */
function isList(operation) {
  return /\.list(-|$)/.test(operation.operationId ?? '');
}

function refsIn(value, found = []) {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

/**
 * Every way the document falls short, one line each; empty when it is complete. `publicOperationIds`
 * are the operations that need no token. With `built`, the DTO schemas must have their properties,
 * which only the build plugin gives them.
 */
function openApiProblems(document, { publicOperationIds, built = false }) {
  const problems = [];
  const schemas = document.components?.schemas ?? {};
  const operations = operationsOf(document);
  if (operations.length === 0) problems.push('the document has no operations');
  const seenIds = new Map();
  for (const { method, path, operation } of operations) {
    const name = `${method.toUpperCase()} ${path}`;
    const problem = (text) => problems.push(`${name}: ${text}`);
    const id = operation.operationId;
    if (!/^v1\.[a-z][a-z-]*\.[a-z][a-z-]*$/.test(id ?? '')) problem(`operationId ${JSON.stringify(id)} is not of the form v1.resource.action`);
    else if (seenIds.has(id)) problem(`operationId ${id} is also ${seenIds.get(id)}'s`);
    seenIds.set(id, name);
    if (!operation.summary) problem('has no summary');
    if (!operation.tags?.length) problem('has no tag');

    const security = operation.security ?? document.security ?? [];
    const isPublic = publicOperationIds.includes(id);
    const statuses = Object.keys(operation.responses ?? {});
    const needs = (status, why) => {
      if (!statuses.includes(String(status))) problem(`does not document its ${status} (${why})`);
    };
    if (isPublic) {
      if (security.length > 0) problem('needs no token, yet the document asks for one');
    } else {
      if (!security.some((requirement) => requirement.bearer !== undefined)) problem('does not carry the bearer security requirement');
      needs(401, 'every authenticated operation');
      needs(429, 'the rate limit');
    }
    if (path.includes('{app_id}')) needs(404, 'under /app/{app_id}');
    const parameters = operation.parameters ?? [];
    if (operation.requestBody) for (const status of [400, 413, 415, 422]) needs(status, 'it takes a body');
    if (parameters.some((parameter) => parameter.in === 'query')) needs(422, 'it takes a query');
    if (method === 'post' && !isPublic && !parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key')) {
      problem('does not document the Idempotency-Key header');
    }
    for (const parameter of parameters) {
      // Query parameters are described by their DTO's comments, which only the build plugin reads.
      if (!parameter.description && (built || parameter.in !== 'query')) problem(`parameter ${parameter.in}.${parameter.name} has no description`);
      const schema = parameter.schema ?? {};
      const resolved = schema.$ref ? schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
      if (!resolved || !(resolved.type || resolved.enum || resolved.oneOf) || Object.keys(resolved.properties ?? {}).length > 0) {
        problem(`parameter ${parameter.in}.${parameter.name} has no usable type (${JSON.stringify(schema)})`);
      }
    }
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (!/^4\d\d$/.test(status)) continue;
      if (!response.description) problem(`${status} has no description`);
      const refs = refsIn(response.content?.['application/json']?.schema ?? {});
      if (refs.length === 0 || refs.some((ref) => !ERROR_SCHEMAS.includes(ref))) problem(`${status} is not described with the error schemas`);
      if (status === '422' && !refs.includes('#/components/schemas/HTTPValidationError')) problem('422 is not described as HTTPValidationError');
    }
    if (isList(operation)) {
      const limit = parameters.find((parameter) => parameter.in === 'query' && parameter.name === 'limit');
      if (!limit) problem('is a list without `limit`');
      else if (limit.schema?.minimum !== 1 || limit.schema?.maximum !== 250 || limit.schema?.default !== 50) {
        problem(`limit is not 1 to 250, default 50 (${JSON.stringify(limit.schema)})`);
      }
      if (!parameters.some((parameter) => parameter.in === 'query' && parameter.name === 'iterator')) problem('is a list without `iterator`');
      if (!refsIn(operation.responses?.['200'] ?? {}).includes('#/components/schemas/ListResponse')) problem('its 200 is not described as a ListResponse');
    }
    if (built && operation.requestBody) {
      const ref = operation.requestBody.content?.['application/json']?.schema?.$ref;
      const body = ref && schemas[ref.replace('#/components/schemas/', '')];
      if (!body || Object.keys(body.properties ?? {}).length === 0) problem(`its body schema ${ref} has no properties`);
    }
  }
  for (const id of publicOperationIds) if (!seenIds.has(id)) problems.push(`public operation ${id} is not in the document`);
  for (const ref of refsIn(document)) {
    if (!ref.startsWith('#/components/schemas/') || !schemas[ref.replace('#/components/schemas/', '')]) problems.push(`${ref} does not resolve`);
  }
  if (schemas.Object) problems.push('a schema named Object stands for a type the document could not describe');
  return problems;
}

module.exports = { operationsOf, openApiProblems };
