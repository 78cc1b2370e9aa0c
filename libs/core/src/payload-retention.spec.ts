import { payloadRetentionHoursOf } from './payload-retention';

describe(payloadRetentionHoursOf.name, () => {
  const sut = payloadRetentionHoursOf;

  it('keeps a payload 90 days when the message asks for nothing, as Svix does', () => {
    expect(sut({})).toBe(90 * 24);
    expect(sut({ payloadRetentionPeriod: null, payloadRetentionHours: null })).toBe(90 * 24);
  });

  it('counts payloadRetentionPeriod in days and payloadRetentionHours in hours', () => {
    expect(sut({ payloadRetentionPeriod: 14 })).toBe(14 * 24);
    expect(sut({ payloadRetentionHours: 6 })).toBe(6);
  });
});
