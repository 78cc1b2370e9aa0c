import { createWorkerApp } from './worker-app';

createWorkerApp()
  .then(() => console.log('Idem worker started'))
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
