import { parseRedisTarget } from './redis-target';

describe(parseRedisTarget.name, () => {
  it('reads one server as ioredis does', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379')).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisTarget('rediss://:secret@redis.internal:6380/2')).toEqual({ kind: 'standalone', url: 'rediss://:secret@redis.internal:6380/2' });
  });

  it('reads a cluster as a list of nodes, with credentials and TLS', () => {
    expect(parseRedisTarget('redis+cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
      tls: false,
    });
    expect(parseRedisTarget('rediss+cluster://idem:p%40ss@a:7000')).toEqual({ kind: 'cluster', nodes: [{ host: 'a', port: 7000 }], tls: true, username: 'idem', password: 'p@ss' });
  });

  it('reads Sentinels, the primary they watch and the database', () => {
    expect(parseRedisTarget('redis+sentinel://:pw@s1:26379,s2:26379/mymaster/3')).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
      name: 'mymaster',
      db: 3,
      tls: false,
      password: 'pw',
    });
  });

  it('says what is wrong', () => {
    expect(() => parseRedisTarget('http://x')).toThrow(/must start with redis:\/\//);
    expect(() => parseRedisTarget('redis+cluster://a:1,b')).toThrow(/"b" is not host:port/);
    expect(() => parseRedisTarget('redis+sentinel://a:1')).toThrow(/name of the primary/);
    expect(() => parseRedisTarget('redis+cluster://a:1/mymaster')).toThrow(/names no master/);
  });
});
