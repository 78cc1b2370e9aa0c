import { newId } from '@app/core';
import { eventTypeNameCursor, idCursor, toListResponse, toPageQuery } from './list';
import { RequestValidationError } from './request-validation.error';

describe(toPageQuery.name, () => {
  const messages = idCursor('message');

  it('defaults to 50 items in the list’s own order', () => {
    expect(toPageQuery({}, messages, 'descending')).toEqual({ limit: 50, order: 'descending' });
  });

  it('reads a forward and a backward iterator', () => {
    const id = newId('message');
    expect(toPageQuery({ iterator: id, limit: 5 }, messages, 'descending')).toEqual({ limit: 5, order: 'descending', cursor: id, backward: false });
    expect(toPageQuery({ iterator: `-${id}` }, messages, 'descending')).toMatchObject({ cursor: id, backward: true });
  });

  it('refuses an iterator it could not have issued', () => {
    for (const iterator of ['garbage', newId('application'), 'msg_short']) {
      expect(() => toPageQuery({ iterator }, messages, 'descending')).toThrow(RequestValidationError);
    }
  });
});

describe(toListResponse.name, () => {
  const format = idCursor('application');
  const [a, b] = [newId('application'), newId('application')];

  it('points iterator past the last item and prevIterator before the first', () => {
    const sut = toListResponse({ items: [a, b], hasMore: true }, { limit: 2, order: 'ascending' }, format, (id) => id, (id) => ({ id }));
    expect(sut).toEqual({ data: [{ id: a }, { id: b }], iterator: b, prevIterator: `-${a}`, done: false });
  });

  it('keeps the caller’s iterator on an empty page, so polling with it picks up new items later', () => {
    const sut = toListResponse({ items: [], hasMore: false }, { limit: 2, order: 'ascending', cursor: b }, format, (id) => id, (id) => id);
    expect(sut).toEqual({ data: [], iterator: b, prevIterator: null, done: true });
  });
});

describe('eventTypeNameCursor', () => {
  it('round-trips names, including ones starting with "-", and never writes a leading "-"', () => {
    for (const name of ['-leading', 'user.created', 'A_b-c.d']) {
      const written = eventTypeNameCursor.encode(name);
      expect(written.startsWith('-')).toBe(false);
      expect(eventTypeNameCursor.decode(written)).toBe(name);
    }
    expect(eventTypeNameCursor.decode('zz')).toBeNull();
  });
});
