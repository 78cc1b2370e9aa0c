import { newId, smallestIdAt } from './ids';

describe(smallestIdAt.name, () => {
  it('sorts after every id minted earlier and at or before every id minted at that millisecond or later', () => {
    const at = Date.parse('2026-11-27T10:00:00.000Z');
    const sut = smallestIdAt('message', at);

    expect(sut).toMatch(/^msg_[0-9A-Z]{10}0{16}$/);
    for (let i = 0; i < 50; i++) {
      expect(newId('message', at - 1) < sut).toBe(true);
      expect(newId('message', at) >= sut).toBe(true);
      expect(newId('message', at + 1) > sut).toBe(true);
    }
  });
});
