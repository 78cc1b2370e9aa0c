import { ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * The endpoint form's headers (Svix's endpoint headers): one name and value a line. The API never
 * answers the value of a sensitive header (`Authorization` and the like), only its name, so such a line
 * shows its value masked and keeps it unless a new one is typed; its name is fixed (remove the line and
 * add another to rename it).
 *
 * `view` is the API's `EndpointHeadersOut`, or null for a new endpoint.
 */
export function headersEditor(view) {
  const rows = h('div', { class: 'header-rows', testid: 'endpoint-headers' });
  const original = new Map();
  const addRow = ({ name = '', value = '', sensitive = false } = {}) => {
    const nameInput = h('input', { autocomplete: 'off', spellcheck: 'false', value: name, placeholder: 'X-Header-Name', 'aria-label': 'Header name', testid: 'endpoint-header-name', disabled: sensitive });
    const valueInput = h('input', {
      autocomplete: 'off',
      spellcheck: 'false',
      value,
      placeholder: sensitive ? '•••••••• hidden: type to replace' : 'value',
      'aria-label': sensitive ? `New value of ${name} (the current one is hidden)` : 'Header value',
      testid: 'endpoint-header-value',
    });
    const remove = h('button', { type: 'button', class: 'button button-small button-danger-quiet', testid: 'endpoint-header-remove', 'aria-label': `Remove header ${name}`.trim() }, 'Remove');
    const row = h('div', { class: 'header-row', testid: 'endpoint-header-row', 'data-sensitive': sensitive ? 'true' : null }, nameInput, valueInput, remove);
    row.headerLine = { nameInput, valueInput, sensitive, originalName: name || null };
    // The API names a refused header in `loc`; the form marks the line of that name.
    const keyName = () => (nameInput.dataset.locKey = nameInput.value.trim());
    keyName();
    nameInput.addEventListener('input', keyName);
    remove.addEventListener('click', () => row.remove());
    rows.append(row);
    return nameInput;
  };
  for (const [name, value] of Object.entries(view?.headers ?? {})) {
    original.set(name, value);
    addRow({ name, value });
  }
  for (const name of view?.sensitive ?? []) {
    original.set(name, null);
    addRow({ name, sensitive: true });
  }
  const add = h('button', { type: 'button', class: 'button button-small', testid: 'endpoint-header-add' }, 'Add header');
  add.addEventListener('click', () => addRow().focus());
  const control = h('div', { class: 'header-editor' }, rows, add);

  const lines = () =>
    [...rows.querySelectorAll('.header-row')]
      .map((row) => row.headerLine)
      .map(({ nameInput, valueInput, sensitive, originalName }) => ({ name: nameInput.value.trim(), value: valueInput.value, sensitive, originalName }))
      .filter((line) => line.name !== '' || line.value !== '');

  return {
    control,
    /** Every header as typed, for a new endpoint's `headers`. */
    all: () => Object.fromEntries(lines().map((line) => [line.name, line.value])),
    /**
     * Svix's `EndpointHeadersPatchIn` that turns the endpoint's headers into what the form shows: lines
     * added or changed are set, lines removed are null, and sensitive lines left blank are left out, so
     * they keep the value the console never saw. Null when nothing changed.
     */
    patch: () => {
      const current = lines();
      const kept = new Set(current.map((line) => line.name.toLowerCase()));
      const headers = {};
      for (const name of original.keys()) if (!kept.has(name.toLowerCase())) headers[name] = null;
      for (const line of current) {
        if (line.sensitive && line.value === '') continue;
        if (line.originalName === line.name && original.get(line.name) === line.value) continue;
        headers[line.name] = line.value;
      }
      return Object.keys(headers).length ? { headers } : null;
    },
  };
}

/**
 * The headers routes name the header in `loc` (`["body", "headers", "X-Name"]`); the form shows every
 * problem under its one Headers field, so a message that does not name its header is prefixed with it.
 */
export function namingHeaders(error) {
  if (!(error instanceof ApiError) || !error.problems.length) return error;
  const problems = error.problems.map((problem) => {
    const [, field, name] = problem.loc;
    if (field !== 'headers' || name === undefined || problem.msg.toLowerCase().includes(name.toLowerCase())) return problem;
    return { ...problem, msg: `${name}: ${problem.msg}` };
  });
  return new ApiError(error.status, error.code, error.detail, problems);
}
