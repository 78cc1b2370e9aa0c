import {
  endpointHeadersProblems,
  endpointHeadersView,
  patchEndpointHeaders,
  recordableResponseHeaders,
  redactSensitiveHeaders,
  RESPONSE_HEADER_LIMITS,
} from './endpoint-headers';

describe('endpoint headers', () => {
  it('accepts ordinary headers and refuses reserved names whatever their case', () => {
    expect(endpointHeadersProblems({ 'X-Tenant': 'acme', Authorization: 'Bearer x', 'x-api-key': 'k' })).toEqual([]);
    const refused = ['Webhook-Id', 'webhook-timestamp', 'WEBHOOK-SIGNATURE', 'svix-id', 'X-Svix-Foo', 'idem-trace', 'Content-Type', 'content-length', 'Host', 'User-Agent', 'Connection', 'Transfer-Encoding'];
    const problems = endpointHeadersProblems(Object.fromEntries(refused.map((name) => [name, 'x'])));
    expect(problems.map((problem) => problem.name)).toEqual(refused);
  });

  it('refuses names that are not tokens, values that could split the request, and twice the same name', () => {
    const problems = endpointHeadersProblems({ 'x a': '1', 'x:b': '1', '': '1', 'x-lf': 'a\nb', 'x-cr': 'a\rb', 'x-nul': 'a\u0000', 'x-wide': '€', 'X-Dup': '1', 'x-dup': '2' });
    expect(problems.map((problem) => [problem.name, problem.type])).toEqual([
      ['x a', 'value_error.header.name'],
      ['x:b', 'value_error.header.name'],
      ['', 'value_error.header.name'],
      ['x-lf', 'value_error.header.value'],
      ['x-cr', 'value_error.header.value'],
      ['x-nul', 'value_error.header.value'],
      ['x-wide', 'value_error.header.value'],
      ['x-dup', 'value_error.header.duplicate'],
    ]);
  });

  it('bounds the count, one value and the whole set', () => {
    expect(endpointHeadersProblems(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`x-${i}`, '1'])))).toEqual([expect.objectContaining({ name: null, type: 'value_error.headers.count' })]);
    expect(endpointHeadersProblems({ 'x-big': 'v'.repeat(4097) })).toEqual([expect.objectContaining({ name: 'x-big' })]);
    expect(endpointHeadersProblems({ 'x-a': 'v'.repeat(4000), 'x-b': 'v'.repeat(4000), 'x-c': 'v'.repeat(400) })).toEqual([expect.objectContaining({ name: null, type: 'value_error.headers.size' })]);
  });

  it('patches: sets, replaces whatever the case, removes by null and by name', () => {
    expect(patchEndpointHeaders({ 'X-A': '1', 'x-b': '2', 'x-c': '3' }, { 'x-a': 'one', 'x-b': null, 'x-d': '4' }, ['X-C'])).toEqual({ 'x-a': 'one', 'x-d': '4' });
    expect(Object.getPrototypeOf(patchEndpointHeaders({}, JSON.parse('{"__proto__": "x"}')))).toBe(Object.prototype);
  });

  it('names sensitive headers without their values, and redacts them when recorded', () => {
    const headers = { authorization: 'Bearer s', 'X-Auth-Token': 't', 'x-tenant': 'acme' };
    expect(endpointHeadersView(headers)).toEqual({ headers: { 'x-tenant': 'acme' }, sensitive: ['authorization', 'X-Auth-Token'] });
    expect(redactSensitiveHeaders(headers)).toEqual({ authorization: '[redacted]', 'X-Auth-Token': '[redacted]', 'x-tenant': 'acme' });
  });

  it('records response headers bounded, joined and with cookies redacted', () => {
    expect(recordableResponseHeaders({ 'Content-Type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], vary: ['accept', 'origin'], 'x-nul': 'a\u0000', gone: undefined })).toEqual({
      'content-type': 'text/plain',
      'set-cookie': '[redacted]',
      vary: 'accept, origin',
      'x-nul': 'a\uFFFD',
    });
    const many = recordableResponseHeaders(Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`x-${i}`, '1'])));
    expect(Object.keys(many)).toHaveLength(RESPONSE_HEADER_LIMITS.count);
    const large = recordableResponseHeaders({ 'x-a': 'v'.repeat(5000), 'x-b': 'v'.repeat(5000) });
    expect(Object.keys(large)).toEqual(['x-a']);
  });
});
