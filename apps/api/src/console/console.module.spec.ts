import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findConsoleRoot } from './console.module';

describe(findConsoleRoot.name, () => {
  it('finds the console beside the sources when run from them (tests, ts-node)', () => {
    const sut = findConsoleRoot();
    expect(sut).toBe(join(__dirname, '..', '..', 'console'));
    expect(existsSync(join(sut, 'index.html'))).toBe(true);
  });

  it('prefers the first folder that holds index.html, as the bundle in dist/apps/api does', () => {
    const source = join(__dirname, '..', '..', 'console');
    expect(findConsoleRoot(['/nonexistent/console', source])).toBe(source);
  });

  it('stops start-up with a message naming where it looked', () => {
    expect(() => findConsoleRoot(['/nonexistent/a', '/nonexistent/b'])).toThrow(
      "The web console's files are missing (looked in /nonexistent/a, /nonexistent/b); run npm run build",
    );
  });
});
