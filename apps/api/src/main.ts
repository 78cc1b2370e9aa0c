import { IdemConfig, loadIdemConfig } from '@app/config';
import { EndpointSecretCipher, migrateDatabase, reencryptEndpointSecrets } from '@app/persistence';
import { createApiApp } from './api-app';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'migrate') {
    const applied = await migrateDatabase(loadIdemConfig(process.env).databaseUrl);
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
    return;
  }
  if (command === 'reencrypt-secrets') {
    await reencryptSecrets(process.argv.slice(3));
    return;
  }
  const app = await createApiApp();
  const config = app.get(IdemConfig);
  await app.listen(config.port, config.host);
  console.log(`Idem API listening on ${await app.getUrl()}`);
}

/** `reencrypt-secrets [--batch-size=N]`: seals every endpoint secret with IDEM_ENCRYPTION_KEY; see the README's key rotation. */
async function reencryptSecrets(args: string[]): Promise<void> {
  let batchSize = 500;
  for (const arg of args) {
    const match = /^--batch-size=(\d+)$/.exec(arg);
    if (!match || Number(match[1]) < 1 || Number(match[1]) > 10_000) throw new Error(`reencrypt-secrets: unknown argument ${arg} (usage: reencrypt-secrets [--batch-size=1..10000])`);
    batchSize = Number(match[1]);
  }
  const config = loadIdemConfig(process.env);
  const cipher = EndpointSecretCipher.fromConfig(config);
  const report = await reencryptEndpointSecrets(config.databaseUrl, cipher, { batchSize });
  console.log(`Re-encrypted ${report.reencrypted} endpoint secrets with key ${config.encryptionKey!.id}`);
  for (const row of report.unreadable) console.error(`Unreadable: ${row.id}: ${row.reason}`);
  if (report.remaining > 0) {
    console.error(`${report.remaining} secrets are still under another key: a process with an older IDEM_ENCRYPTION_KEY is writing them; update it and run again`);
  }
  if (report.unreadable.length > 0 || report.remaining > 0) process.exitCode = 1;
  else console.log('Every endpoint secret is sealed with the current key; keys in IDEM_ENCRYPTION_KEYS_PREVIOUS may be dropped');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
