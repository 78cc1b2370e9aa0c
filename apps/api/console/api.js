// The API as the console sees it: Svix API v1 at /api/v1, JSON in camelCase, queries in snake_case.

/** An answer other than 2xx, or no answer at all (`status` 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code Svix's error code, such as `not_found` (`validation` for 422)
   * @param {string} detail
   * @param {{loc: string[], msg: string, type: string}[]} problems one per invalid field, for 422
   */
  constructor(status, code, detail, problems = []) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.problems = problems;
  }
}

export class ApiClient {
  /**
   * @param {string} token sent as `Authorization: Bearer` on every call
   * @param {() => void} onUnauthorized called on a 401, before the error is thrown
   */
  constructor(token, onUnauthorized = () => {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  /** GET a path under /api/v1; `query` values that are empty are left out. */
  get(path, query = {}, signal) {
    return this.request('GET', path, { query, signal });
  }

  post(path, body, signal) {
    return this.request('POST', path, { body, signal });
  }

  patch(path, body, signal) {
    return this.request('PATCH', path, { body, signal });
  }

  put(path, body, signal) {
    return this.request('PUT', path, { body, signal });
  }

  delete(path, query = {}, signal) {
    return this.request('DELETE', path, { query, signal });
  }

  async request(method, path, { query = {}, body, signal } = {}) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
    }
    const url = `/api/v1${path}${search.toString() ? `?${search}` : ''}`;
    const headers = { Accept: 'application/json', Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
    } catch (error) {
      if (error?.name === 'AbortError') throw error;
      throw new ApiError(0, 'network_error', `Could not reach the API (${error?.message ?? error})`);
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page, for instance; reported below with the status.
    }
    if (response.ok) return json;
    if (response.status === 401) this.onUnauthorized();
    throw toApiError(response, json, text);
  }
}

function toApiError(response, json, text) {
  if (json && Array.isArray(json.detail)) {
    const problems = json.detail.map((problem) => ({
      loc: Array.isArray(problem?.loc) ? problem.loc.map(String) : [],
      msg: String(problem?.msg ?? ''),
      type: String(problem?.type ?? ''),
    }));
    return new ApiError(response.status, 'validation', 'The request was not valid', problems);
  }
  if (json && typeof json.detail === 'string') {
    return new ApiError(response.status, String(json.code ?? 'error'), json.detail);
  }
  const detail = text ? text.slice(0, 300) : response.statusText || 'No detail';
  return new ApiError(response.status, 'http_error', detail);
}

/** A list's query: Svix's `limit` and `iterator`. */
export function pageQuery(params, limit = 50) {
  return { limit, iterator: params.get('iterator') ?? undefined };
}

/** A path under /api/v1 with each interpolated id encoded: apiPath`/app/${appId}/msg/${msgId}`. */
export function apiPath(strings, ...ids) {
  return strings.reduce((path, part, index) => path + part + (index < ids.length ? encodeURIComponent(String(ids[index])) : ''), '');
}
