import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

interface StartScript {
  developmentEnv(processEnv: Record<string, string | undefined>, keep?: (file: string, generate: () => string) => string): Record<string, string>;
  banner(input: { apiUrl: string; workerUrl: string; processEnv: Record<string, string | undefined>; env: Record<string, string> }): string;
  watchReadiness(children: Record<string, { stdout: PassThrough }>, onReady: (urls: Record<string, string>) => void, out?: { write(chunk: unknown): void }): void;
}

// scripts/start.js is what `npm start` runs after building; it starts the apps only when run, not when required.
const sut = require('../../scripts/start') as StartScript;

const keep = (file: string) => `kept:${file.split('/').pop()}`;

describe('npm start (scripts/start.js)', () => {
  describe('developmentEnv', () => {
    it('allows loopback and private targets unless told otherwise', () => {
      expect(sut.developmentEnv({}, keep).IDEM_ALLOW_PRIVATE_TARGETS).toBe('true');
      expect(sut.developmentEnv({ IDEM_ALLOW_PRIVATE_TARGETS: 'false' }, keep).IDEM_ALLOW_PRIVATE_TARGETS).toBe('false');
    });

    it('keeps a generated admin token and encryption key, unless the environment has them', () => {
      expect(sut.developmentEnv({}, keep)).toMatchObject({ IDEM_ADMIN_TOKEN: 'kept:admin-token', IDEM_ENCRYPTION_KEY: 'kept:encryption-key' });
      expect(sut.developmentEnv({ IDEM_ADMIN_TOKEN: 'mine_mine_mine_mine' }, keep).IDEM_ADMIN_TOKEN).toBe('mine_mine_mine_mine');
    });
  });

  describe('banner', () => {
    const processEnv = {};
    const env = sut.developmentEnv(processEnv, keep);

    it('names the API, the console, the docs and the worker health, and the admin token', () => {
      const text = sut.banner({ apiUrl: 'http://127.0.0.1:8040', workerUrl: 'http://127.0.0.1:8041', processEnv, env });

      expect(text).toContain('http://127.0.0.1:8040/api/v1');
      expect(text).toContain('http://127.0.0.1:8040/console/');
      expect(text).toContain('http://127.0.0.1:8040/docs');
      expect(text).toContain('http://127.0.0.1:8041/health');
      expect(text).toContain('kept:admin-token');
    });

    it('says that private targets are allowed, and how to refuse them', () => {
      const text = sut.banner({ apiUrl: 'http://127.0.0.1:8040', workerUrl: 'http://127.0.0.1:8041', processEnv, env });

      expect(text).toMatch(/Private targets: +allowed .*IDEM_ALLOW_PRIVATE_TARGETS=false.*cloud metadata stays refused/);
    });

    it('says when they are refused', () => {
      const strict = { IDEM_ALLOW_PRIVATE_TARGETS: 'false' };
      const text = sut.banner({ apiUrl: 'http://127.0.0.1:8040', workerUrl: 'http://127.0.0.1:8041', processEnv: strict, env: sut.developmentEnv(strict, keep) });

      expect(text).toMatch(/Private targets: +refused \(IDEM_ALLOW_PRIVATE_TARGETS=false\)/);
    });
  });

  describe('watchReadiness', () => {
    function children() {
      return { api: { stdout: new PassThrough() }, worker: { stdout: new PassThrough() } };
    }

    it('passes output through and reports ready only once both apps have said so, after their start-up lines', async () => {
      const apps = children();
      const out: string[] = [];
      const ready = new EventEmitter();
      sut.watchReadiness(apps, (urls) => ready.emit('ready', urls, out.length), { write: (chunk) => out.push(String(chunk)) });
      const reported = new Promise<[Record<string, string>, number]>((resolve) => ready.once('ready', (urls, lines) => resolve([urls, lines])));

      apps.api.stdout.write('{"level":30,"msg":"a log line"}\nIdem API listen');
      apps.worker.stdout.write('Idem worker started; health and metrics on http://127.0.0.1:8041\n');
      apps.api.stdout.write('ing on http://127.0.0.1:8040\n');

      expect(await reported).toEqual([{ api: 'http://127.0.0.1:8040', worker: 'http://127.0.0.1:8041' }, 3]);
    });

    it('does not report ready while one app has not said so', async () => {
      const apps = children();
      const onReady = jest.fn();
      sut.watchReadiness(apps, onReady, { write: () => undefined });

      apps.api.stdout.write('Idem API listening on http://127.0.0.1:8040\n');
      await new Promise((resolve) => setImmediate(resolve));

      expect(onReady).not.toHaveBeenCalled();
    });
  });
});
