import { canonicalJson } from './canonical-json';

describe(canonicalJson.name, () => {
  it('encodes objects that differ only in key order identically, at every depth', () => {
    const sut = canonicalJson;
    expect(sut({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(sut({ a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 }));
  });

  it('keeps array order, which is meaningful', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('encodes undefined as null so every input has a hashable form', () => {
    expect(canonicalJson(undefined)).toBe('null');
  });
});
