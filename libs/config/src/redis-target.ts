/** One Redis address of a cluster's or Sentinel's list. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where Idem's Redis is, read from `REDIS_URL`. */
export type RedisTarget =
  /** `redis://` or `rediss://`: one server, as ioredis reads the URL. */
  | { kind: 'standalone'; url: string }
  /** `redis+cluster://` or `rediss+cluster://[user:password@]host:port,host:port,...`: some of a Redis Cluster's nodes. */
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean }
  /** `redis+sentinel://[user:password@]host:port,host:port,.../<master name>[/<db>]`: Sentinels watching a primary. */
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string; username?: string; password?: string; tls: boolean; db: number };

const MANY = /^(rediss?)\+(cluster|sentinel):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^/?#]*))?(?:\/(\d+))?\/?$/;

/** Reads a `REDIS_URL`; throws an Error saying what is wrong with it. */
export function parseRedisTarget(value: string): RedisTarget {
  const many = MANY.exec(value);
  if (!many) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new Error(`"${value}" is not a URL`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new Error('must start with redis:// or rediss:// (one server), redis+cluster:// or redis+sentinel:// (a list of host:port)');
    }
    return { kind: 'standalone', url: value };
  }
  const [, scheme, kind, username, password, hosts, name, db] = many;
  const nodes = hosts.split(',').map((entry) => {
    const node = /^([^:,]+):(\d{1,5})$/.exec(entry.trim());
    if (!node || Number(node[2]) > 65535) throw new Error(`"${entry}" is not host:port`);
    return { host: node[1], port: Number(node[2]) };
  });
  const credentials = {
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password !== undefined ? { password: decodeURIComponent(password) } : {}),
  };
  const tls = scheme === 'rediss';
  if (kind === 'cluster') {
    if (name || db) throw new Error('a cluster URL names no master and no database');
    return { kind: 'cluster', nodes, tls, ...credentials };
  }
  if (!name) throw new Error('a Sentinel URL ends with the name of the primary it watches: redis+sentinel://host:port,.../mymaster');
  return { kind: 'sentinel', sentinels: nodes, name: decodeURIComponent(name), tls, db: db ? Number(db) : 0, ...credentials };
}
