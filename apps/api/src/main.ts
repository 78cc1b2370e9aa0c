import { IdemConfig, loadIdemConfig } from '@app/config';
import { migrateDatabase } from '@app/persistence';
import { createApiApp } from './api-app';

async function main(): Promise<void> {
  if (process.argv[2] === 'migrate') {
    const applied = await migrateDatabase(loadIdemConfig(process.env).databaseUrl);
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
    return;
  }
  const app = await createApiApp();
  const config = app.get(IdemConfig);
  await app.listen(config.port, config.host);
  console.log(`Idem API listening on ${await app.getUrl()}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
