import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_LOG_PATHS } from './log-redaction';

describe('REDACTED_LOG_PATHS', () => {
  function logged(object: Record<string, unknown>): string {
    let output = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        output += chunk;
        done();
      },
    });
    pino({ redact: REDACTED_LOG_PATHS }, stream).info(object, 'message');
    return output;
  }

  it('hides secrets, keys and credentials wherever a log line would carry them, and keeps the rest', () => {
    const secret = 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';
    const line = logged({
      secret,
      delivery: { deliveryId: 'dlv_1', secrets: [secret] },
      err: { message: 'bad body', body: `{"secret":"${secret}"}` },
      req: { method: 'POST', url: '/api/v1/app/a/endpoint', headers: { authorization: 'Bearer idem_token', cookie: 'c=1' }, body: { secret } },
      rotation: { input: { key: secret } },
    });
    expect(line).not.toContain(secret.slice('whsec_'.length));
    expect(line).not.toContain('idem_token');
    expect(JSON.parse(line)).toMatchObject({ delivery: { deliveryId: 'dlv_1', secrets: '[Redacted]' }, req: { method: 'POST', url: '/api/v1/app/a/endpoint' }, err: { message: 'bad body' } });
  });
});
