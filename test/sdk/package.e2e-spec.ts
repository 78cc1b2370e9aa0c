import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryFactory, post } from './support/delivery.factory';

const repositoryRoot = join(__dirname, '..', '..');
const sdkFolder = join(repositoryRoot, 'libs', 'sdk');

/** The README's receiver example, exactly as a reader would copy it. */
function readmeReceiverExample(): string {
  const readme = readFileSync(join(sdkFolder, 'README.md'), 'utf8');
  const example = /<!-- example: receiver -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (example === null) throw new Error('README.md has no "<!-- example: receiver -->" js block');
  return example[1];
}

/** The README's install commands: `npm pack`, then `npm install` of the tarball it writes. */
function readmeInstallCommands(): string {
  const readme = readFileSync(join(sdkFolder, 'README.md'), 'utf8');
  const example = /<!-- example: install -->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (example === null) throw new Error('README.md has no "<!-- example: install -->" sh block');
  return example[1];
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The SDK as a user gets it: `npm pack` in libs/sdk, the tarball installed into a fresh project outside
 * the repository, and used from there with plain Node.
 */
describe('@idem/sdk package', () => {
  let workspace: string;
  let project: string;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'idem-sdk-pack-'));
    const { version } = JSON.parse(readFileSync(join(sdkFolder, 'package.json'), 'utf8')) as { version: string };
    run('npm', ['pack', '--pack-destination', workspace], sdkFolder);
    project = join(workspace, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(workspace, `idem-sdk-${version}.tgz`)], project);
    writeFileSync(join(project, 'receiver.js'), readmeReceiverExample());
  }, 120_000);

  afterAll(() => {
    if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
  });

  it("is installed as the README says: the package is not published, so from the tarball npm pack writes", () => {
    const { version } = JSON.parse(readFileSync(join(sdkFolder, 'package.json'), 'utf8')) as { version: string };
    const commands = readmeInstallCommands();

    expect(readdirSync(workspace)).toContain(`idem-sdk-${version}.tgz`);
    expect(commands).toMatch(/\bnpm pack\b/);
    expect(commands).toContain(`npm install ./idem/libs/sdk/idem-sdk-${version}.tgz`);
    expect(commands).not.toMatch(/npm install @idem\/sdk/);
  });

  it('installs with no dependencies of its own and only compiled JavaScript and declarations', () => {
    expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@idem']);
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: join(project, 'node_modules', '@idem', 'sdk'), encoding: 'utf8' }).trim().split('\n');
    expect(files.filter((file) => file.startsWith('./dist/') && !/\.(js|d\.ts)$/.test(file))).toEqual([]);
    expect(files.some((file) => file.endsWith('.spec.js'))).toBe(false);
    expect(files).toEqual(expect.arrayContaining(['./dist/receiver/index.d.ts', './dist/emitter/index.d.ts', './README.md']));
  });

  it('resolves the root, emitter and receiver entry points from plain Node', () => {
    const output = run(
      process.execPath,
      [
        '-e',
        `const root = require('@idem/sdk');
         const { mintIdempotencyKey } = require('@idem/sdk/emitter');
         const { Webhook, WebhookReceiver, RedisDedupStore, PostgresInbox } = require('@idem/sdk/receiver');
         console.log(JSON.stringify({
           key: mintIdempotencyKey({ source: 'orders', entity: 'order:8412', version: 7 }),
           receiver: [Webhook, WebhookReceiver, RedisDedupStore, PostgresInbox].every((f) => typeof f === 'function'),
           root: root.Webhook === Webhook && root.mintIdempotencyKey === mintIdempotencyKey,
         }));`,
      ],
      project,
    );

    expect(JSON.parse(output)).toEqual({ key: 'c5e66df7-31b8-5541-9e0b-824755dda917', receiver: true, root: true });
  });

  it('type-checks a TypeScript consumer against the declarations, with node16 resolution', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { mintIdempotencyKey, IdemClient, OutboxRelay, PostgresOutbox } from '@idem/sdk/emitter';
       import { Webhook, WebhookReceiver, MemoryDedupStore, WebhookDelivery } from '@idem/sdk/receiver';
       import * as sdk from '@idem/sdk';
       const key: string = mintIdempotencyKey({ source: 's', entity: 'e', version: 1 });
       const receiver = new WebhookReceiver({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', store: new MemoryDedupStore() });
       const handler = async (delivery: WebhookDelivery<{ type: string }>) => delivery.payload.type;
       void receiver.receive({ body: '{}', headers: {} }, handler);
       const verified: unknown = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').verify('{}', { 'webhook-id': 'a', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' });
       export const used = [key, verified, IdemClient, OutboxRelay, PostgresOutbox, sdk.Webhook];
      `,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(repositoryRoot, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );

    expect(() => run(process.execPath, [join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project)).not.toThrow();
  });

  describe('the README receiver example', () => {
    let receiver: ChildProcess;
    let output = '';
    let url: string;
    const secret = DeliveryFactory.secret();

    beforeAll(async () => {
      receiver = spawn(process.execPath, ['receiver.js'], { cwd: project, env: { ...process.env, WEBHOOK_SECRET: secret, PORT: '0' } });
      receiver.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      receiver.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 10_000;
      while (!/listening on (\d+)/.test(output)) {
        if (Date.now() > deadline || receiver.exitCode !== null) throw new Error(`receiver.js did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      url = `http://127.0.0.1:${/listening on (\d+)/.exec(output)![1]}/webhooks`;
    });

    afterAll(async () => {
      if (receiver?.exitCode === null) {
        receiver.kill();
        await once(receiver, 'exit');
      }
    });

    it('processes a delivery signed by standardwebhooks once, acknowledges its redelivery, and refuses a forgery', async () => {
      const payload = { type: 'order.paid', orderId: 'ord_1' };

      const first = await post(url, DeliveryFactory.create({ secret, id: 'msg_readme', payload }));
      const retry = await post(url, DeliveryFactory.create({ secret, id: 'msg_readme', payload }));
      const forged = await post(url, DeliveryFactory.create({ secret: DeliveryFactory.secret(), id: 'msg_forged', payload }));
      const tampered = DeliveryFactory.create({ secret, id: 'msg_tampered', payload });
      const tamperedResponse = await post(url, { ...tampered, body: tampered.body.replace('ord_1', 'ord_2') });

      expect([first.status, JSON.parse(first.text).status]).toEqual([200, 'processed']);
      expect([retry.status, retry.headers.get('idem-duplicate')]).toEqual([200, 'true']);
      expect([forged.status, tamperedResponse.status]).toEqual([401, 401]);
      expect(output.match(/processed msg_\w+ order\.paid/g)).toEqual(['processed msg_readme order.paid']);
    });
  });
});
