import { parseDuration, parseDurationList } from './duration';

describe(parseDuration.name, () => {
  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['250', 250],
    ['1.5s', 1_500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '5 minutes', '-5s', '5w'])('refuses %p', (text) => {
    expect(() => parseDuration(text)).toThrow('is not a duration');
  });

  it('reads the default retry schedule', () => {
    expect(parseDurationList('5s,5m,30m,2h,5h,10h,14h,20h,24h')).toHaveLength(9);
  });
});
