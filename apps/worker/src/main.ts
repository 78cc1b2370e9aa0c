import { createWorkerApp } from './worker-app';

async function main(): Promise<void> {
  const app = await createWorkerApp();
  // Nest's own shutdown hooks re-raise the signal after closing, so the process would end "killed by
  // SIGTERM"; a drained, orderly stop is a normal exit. The app is closed once, whatever signals follow:
  // Ctrl-C under `npm start` brings SIGINT from the terminal and SIGTERM from the script, and closing
  // twice ended the database pool twice.
  let closing: Promise<void> | undefined;
  const stop = () => {
    closing ??= app.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
  console.log(`Idem worker started; health and metrics on ${await app.getUrl()}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
