import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

const host = process.env.PGHOST ?? '127.0.0.1';
const port = Number(process.env.PGPORT ?? 5432);
const user = process.env.PGUSER ?? 'postgres';

async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host, port, user, database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database of the suite's own, created on the machine's Postgres and dropped afterwards. */
export class TestDatabase {
  readonly pool: Pool;

  private constructor(readonly name: string) {
    this.pool = new Pool({ host, port, user, database: name, max: 20 });
  }

  static async create(): Promise<TestDatabase> {
    const name = `idem_sdk_${randomBytes(6).toString('hex')}`;
    await asAdmin((client) => client.query(`CREATE DATABASE ${name}`));
    return new TestDatabase(name);
  }

  /** For a child process or a TypeORM DataSource. */
  get url(): string {
    return `postgres://${user}@${host}:${port}/${this.name}`;
  }

  get connection(): { host: string; port: number; username: string; database: string } {
    return { host, port, username: user, database: this.name };
  }

  async drop(): Promise<void> {
    // pool.end() resolves before its clients' sockets have closed; one still open when the database is
    // dropped is terminated, which is the point of the drop, not an error.
    this.pool.on('error', () => undefined);
    await this.pool.end();
    await asAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`));
  }
}
