import { subscriptionMatches } from './subscription';

describe(subscriptionMatches.name, () => {
  const cases: [string, Parameters<typeof subscriptionMatches>[0], Parameters<typeof subscriptionMatches>[1], boolean][] = [
    ['no filters take everything', { filterTypes: null, channels: null }, { eventType: 'a', channels: null }, true],
    ['empty filters take everything', { filterTypes: [], channels: [] }, { eventType: 'a', channels: ['x'] }, true],
    ['a listed event type', { filterTypes: ['a', 'b'], channels: null }, { eventType: 'b', channels: null }, true],
    ['an unlisted event type', { filterTypes: ['a'], channels: null }, { eventType: 'b', channels: null }, false],
    ['a shared channel', { filterTypes: null, channels: ['eu', 'us'] }, { eventType: 'a', channels: ['us'] }, true],
    ['no shared channel', { filterTypes: null, channels: ['eu'] }, { eventType: 'a', channels: ['us'] }, false],
    ['a channel filter and a message without channels', { filterTypes: null, channels: ['eu'] }, { eventType: 'a', channels: null }, false],
    ['both filters must match', { filterTypes: ['a'], channels: ['eu'] }, { eventType: 'a', channels: ['us'] }, false],
  ];

  it.each(cases)('%s', (_, subscription, message, expected) => {
    expect(subscriptionMatches(subscription, message)).toBe(expected);
  });
});
