import { jsonNestsDeeperThan } from './json-depth';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe(jsonNestsDeeperThan.name, () => {
  it('counts objects and arrays alike, the outermost being depth 1', () => {
    expect(jsonNestsDeeperThan(utf8('{"a":[{"b":1}]}'), 3)).toBe(false);
    expect(jsonNestsDeeperThan(utf8('{"a":[{"b":[1]}]}'), 3)).toBe(true);
    expect(jsonNestsDeeperThan(utf8('[]'), 0)).toBe(true);
    expect(jsonNestsDeeperThan(utf8('"x"'), 0)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(utf8(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\"', c: '\\' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(utf8(JSON.stringify({ a: '"', b: [[1]] })), 2)).toBe(true);
  });

  it('measures depth, not the number of containers', () => {
    const wide = JSON.stringify({ items: Array.from({ length: 10_000 }, (_, i) => ({ i })) });
    expect(jsonNestsDeeperThan(utf8(wide), 3)).toBe(false);
  });

  it('handles half a million brackets without recursion', () => {
    expect(jsonNestsDeeperThan(utf8('['.repeat(500_000)), 64)).toBe(true);
    expect(jsonNestsDeeperThan(utf8('{"a":'.repeat(64) + '1' + '}'.repeat(64)), 64)).toBe(false);
    expect(jsonNestsDeeperThan(utf8('{"a":'.repeat(65) + '1' + '}'.repeat(65)), 64)).toBe(true);
  });

  it('is not confused by multi-byte characters', () => {
    expect(jsonNestsDeeperThan(utf8(JSON.stringify({ 'ключ': '字[{', emoji: '😀' })), 1)).toBe(false);
  });
});
