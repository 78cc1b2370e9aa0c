// Every node the console shows is built here. Strings only ever become text nodes or attribute
// values: nothing from the API is parsed as HTML, because payloads and response bodies are
// written by whoever controls an endpoint or a producer.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Builds an element. `attributes` takes `class`, `testid` (→ data-testid), `on` ({event: handler}),
 * DOM properties such as `value`, `disabled`, `hidden`, and anything else as an attribute.
 * Children are nodes, strings (→ text), numbers, or null/false (skipped); arrays are flattened.
 */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** The same as `h`, for the SVG of the charts. */
export function s(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open']);

function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === 'testid') {
      element.setAttribute('data-testid', value);
    } else if (name === 'innerHTML' || name === 'outerHTML' || name.startsWith('on')) {
      throw new Error(`h(): refusing to set ${name}`);
    } else if ((name === 'href' || name === 'src') && !/^(#|\/|\.\/|https?:)/i.test(String(value))) {
      throw new Error(`h(): refusing ${name} ${JSON.stringify(String(value))}`);
    } else if (PROPERTIES.has(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `element`. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}
