import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/** A Redis connection and a key prefix of the suite's own; `cleanup` deletes the prefix's keys. */
export class TestRedis {
  readonly redis = new Redis({ host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) });
  readonly prefix = `idem-sdk-test:${randomBytes(6).toString('hex')}:`;

  async keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  async cleanup(): Promise<void> {
    const keys = await this.keys();
    if (keys.length > 0) await this.redis.del(...keys);
    await this.redis.quit();
  }
}
