import { StartupQuietLogger } from './startup-quiet-logger';

class RecordingLogger {
  readonly lines: [string, unknown[]][] = [];
  log = (...args: unknown[]) => this.lines.push(['log', args]);
  error = (...args: unknown[]) => this.lines.push(['error', args]);
  warn = (...args: unknown[]) => this.lines.push(['warn', args]);
  debug = (...args: unknown[]) => this.lines.push(['debug', args]);
  verbose = (...args: unknown[]) => this.lines.push(['verbose', args]);
  fatal = (...args: unknown[]) => this.lines.push(['fatal', args]);
}

describe(StartupQuietLogger.name, () => {
  it("logs Nest's module and route lines at debug", () => {
    const inner = new RecordingLogger();
    const sut = new StartupQuietLogger(inner);

    sut.log('ApiModule dependencies initialized', 'InstanceLoader');
    sut.log('Mapped {/api/v1/app, GET} route', 'RouterExplorer');
    sut.log('Nest application successfully started', 'NestApplication');

    expect(inner.lines.map(([level]) => level)).toEqual(['debug', 'debug', 'debug']);
    expect(inner.lines[1]).toEqual(['debug', ['Mapped {/api/v1/app, GET} route', 'RouterExplorer']]);
  });

  it("keeps the apps' own lines, and every warning and error, as they were", () => {
    const inner = new RecordingLogger();
    const sut = new StartupQuietLogger(inner);

    sut.log('Recovery finished', 'RecoveryProgress');
    sut.log({ msg: 'no context' });
    sut.warn('Redis is unreachable', 'InstanceLoader');
    sut.error('boom', 'stack', 'RouterExplorer');

    expect(inner.lines.map(([level]) => level)).toEqual(['log', 'log', 'warn', 'error']);
  });
});
