import type { ValidationProblem } from './request-validation.error';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string in a request value (keys included) that Postgres cannot store as sent: NUL
 * (U+0000), which `text` refuses and `jsonb` refuses even escaped, and lone UTF-16 surrogates, which
 * are not Unicode and would be stored silently replaced by U+FFFD. Such input is a 422 at the edge
 * instead of a 500 or a quiet change further in. The walk is recursive, which is safe because a JSON
 * body deeper than `MAX_JSON_DEPTH` never gets this far.
 */
export function findUnstorableText(value: unknown, loc: string[]): ValidationProblem | null {
  if (typeof value === 'string') return problemIn(value, loc);
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = findUnstorableText(value[index], [...loc, String(index)]);
      if (problem) return problem;
    }
    return null;
  }
  for (const [key, entry] of Object.entries(value)) {
    const problem = problemIn(key, [...loc, key]) ?? findUnstorableText(entry, [...loc, key]);
    if (problem) return problem;
  }
  return null;
}

function problemIn(text: string, loc: string[]): ValidationProblem | null {
  if (text.includes('\u0000')) return { loc, msg: 'must not contain the NUL character (U+0000)', type: 'value_error.str.nul' };
  if (LONE_SURROGATE.test(text)) return { loc, msg: 'must be valid Unicode (it holds a lone UTF-16 surrogate)', type: 'value_error.str.unicode' };
  return null;
}
