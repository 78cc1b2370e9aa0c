import { findUnstorableText } from './unstorable-text';

describe(findUnstorableText.name, () => {
  it('accepts ordinary text, emoji and right-to-left scripts', () => {
    expect(findUnstorableText({ name: 'Acme ☕ 😀 مرحبا', list: ['a', { b: 'c' }], n: 1, t: true, z: null }, ['body'])).toBeNull();
  });

  it('finds NUL in values and in keys, naming where', () => {
    expect(findUnstorableText({ a: { b: ['ok', 'x\u0000y'] } }, ['body'])).toEqual(expect.objectContaining({ loc: ['body', 'a', 'b', '1'] }));
    expect(findUnstorableText({ metadata: { 'k\u0000': 'v' } }, ['body'])).toEqual(expect.objectContaining({ loc: ['body', 'metadata', 'k\u0000'] }));
    expect(findUnstorableText('app\u0000', ['path', 'app_id'])).toEqual(expect.objectContaining({ loc: ['path', 'app_id'] }));
  });

  it('finds lone surrogates, high or low, but not pairs', () => {
    expect(findUnstorableText({ name: 'a\uD800' }, ['body'])).not.toBeNull();
    expect(findUnstorableText({ name: '\uDC00a' }, ['body'])).not.toBeNull();
    expect(findUnstorableText({ name: '\uDBFF\uDFFF' }, ['body'])).toBeNull();
  });
});
