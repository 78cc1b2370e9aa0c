import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { until } from './until';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A local Redis Cluster of three primaries (no replicas, nothing saved), in a temporary folder, for
 * suites that run Idem against a cluster. `stop` shuts every node down and removes the folder.
 */
export class RedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly folder: string,
  ) {}

  /** `REDIS_URL` for Idem: `redis+cluster://` and the three nodes. */
  get url(): string {
    return `redis+cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }

  static async start(): Promise<RedisCluster> {
    const folder = await mkdtemp(path.join(tmpdir(), 'idem-redis-cluster-'));
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const cluster = new RedisCluster(ports, folder);
    try {
      for (const port of ports) {
        await run('redis-server', [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(folder, `nodes-${port}.conf`), '--dir', folder,
          '--pidfile', path.join(folder, `redis-${port}.pid`), '--logfile', path.join(folder, `redis-${port}.log`),
          '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
        ]);
      }
      for (const port of ports) await until(async () => (await cluster.cli(port, 'PING').catch(() => '')).trim() === 'PONG', `Redis on ${port}`, 10_000);
      await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
      for (const port of ports) await until(async () => (await cluster.cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), `the cluster on ${port}`, 20_000);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private async cli(port: number, ...command: string[]): Promise<string> {
    return (await run('redis-cli', ['-p', String(port), ...command])).stdout;
  }

  async stop(): Promise<void> {
    for (const port of this.ports) {
      await this.cli(port, 'SHUTDOWN', 'NOSAVE').catch(() => undefined);
      // A node that did not take the command is stopped by its own pid, never by name.
      const pid = Number(await readFile(path.join(this.folder, `redis-${port}.pid`), 'utf8').catch(() => ''));
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await rm(this.folder, { recursive: true, force: true });
  }
}
