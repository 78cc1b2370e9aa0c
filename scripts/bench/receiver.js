// Benchmark receiver: a child process that answers 200 to every webhook and reports, per message and
// endpoint, when it first arrived. The payload carries `sentAt` (ms) from the load generator, so the
// receiver measures ingest-to-receiver latency itself.
const http = require('node:http');

const firstSeen = new Map();
let requests = 0;
let duplicates = 0;
const latencies = [];

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    requests++;
    // One message reaches each endpoint (path) once: a repeat on the same path is a duplicate delivery.
    const id = `${request.url} ${request.headers['webhook-id']}`;
    if (firstSeen.has(id)) {
      duplicates++;
    } else {
      firstSeen.set(id, Date.now());
      try {
        const { sentAt } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof sentAt === 'number') latencies.push(Date.now() - sentAt);
      } catch {
        // A body that is not ours (the baseline's) carries no timestamp.
      }
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (command) => {
  if (command === 'report') {
    process.send({ requests, unique: firstSeen.size, duplicates, latencies });
  } else if (command === 'reset') {
    firstSeen.clear();
    latencies.length = 0;
    requests = 0;
    duplicates = 0;
    process.send({ reset: true });
  }
});

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
