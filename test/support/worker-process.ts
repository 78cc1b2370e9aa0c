import type { INestApplication } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * An app's `main.ts` run from source in a child process, as `node dist/...` runs it in production. `env`
 * is laid over this process's environment; a variable set to `undefined` is left out.
 */
export function spawnFromSource(main: string, args: string[], env: Record<string, string | undefined>): ChildProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', main, ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A real worker process, started from source with the suite's environment, that tests can kill. */
export class WorkerProcess {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<WorkerProcess> {
    const child = spawnFromSource('apps/worker/src/main.ts', [], env);
    const worker = new WorkerProcess(child);
    const deadline = Date.now() + readyTimeoutMs;
    while (!worker.output.includes('Idem worker started')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`worker did not start:\n${worker.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return worker;
  }

  get log(): string {
    return this.output;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * The worker built exactly as production builds it, in this process: quicker to start than a child, for
 * suites that do not kill it. Configuration is read at creation, so the suite's environment goes first.
 * It serves `/health` and `/metrics` on IDEM_WORKER_PORT (0 in test environments: a free port, see
 * `getUrl()`), and `close()` stops that server too.
 */
export async function startWorkerInProcess(env: Record<string, string>): Promise<INestApplication> {
  Object.assign(process.env, env);
  const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
  return createWorkerApp();
}
