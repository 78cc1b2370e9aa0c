import type { ChildProcess } from 'node:child_process';
import { spawnFromSource } from './worker-process';

const LISTENING = /Idem API listening on (http:\/\/\S+)/;

/**
 * A real API process, started from source with the suite's environment: for tests that read what it
 * writes to stdout and stderr (its logs), or that start it with another configuration.
 */
export class ApiProcess {
  private output = '';
  private readonly exited: Promise<unknown>;

  private constructor(
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  static async start(env: Record<string, string | undefined>, readyTimeoutMs = 30_000): Promise<ApiProcess> {
    const api = new ApiProcess(spawnFromSource('apps/api/src/main.ts', [], { ...env, PORT: '0', HOST: '127.0.0.1' }));
    const deadline = Date.now() + readyTimeoutMs;
    while (!LISTENING.test(api.output)) {
      if (api.child.exitCode !== null || Date.now() > deadline) {
        await api.stop();
        throw new Error(`API did not start:\n${api.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return api;
  }

  get url(): string {
    return LISTENING.exec(this.output)![1].replace('[::1]', '127.0.0.1').replace(/\/$/, '');
  }

  /** Everything the process printed so far: its JSON log lines and anything else. */
  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Runs `main.ts <args>` of the API (e.g. `reencrypt-secrets`) to its end, or any app until it exits (e.g. refusing to start). */
export function runFromSource(main: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawnFromSource(main, args, env);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${main} ${args.join(' ')} did not end within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    // 'close', not 'exit': it comes after the last of the output.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
