import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_PATH, ConsoleEntryController } from './console-entry.controller';

/**
 * The console's HTML, CSS and ES modules. `nest build` copies `apps/api/console` next to the
 * bundle (`dist/apps/api/console`, and webpack keeps `__dirname` as the bundle's folder); in-process
 * tests run this file from `apps/api/src/console`, two levels below the sources.
 */
export function findConsoleRoot(candidates = [join(__dirname, 'console'), join(__dirname, '..', '..', 'console')]): string {
  const root = candidates.find((directory) => existsSync(join(directory, 'index.html')));
  if (!root) throw new Error(`The web console's files are missing (looked in ${candidates.join(', ')}); run npm run build`);
  return root;
}

/**
 * The console reads untrusted strings (payloads, response bodies) from the API. It never parses
 * them as HTML, and this policy is the second wall: only the console's own scripts and styles run,
 * and it may talk to this origin only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function setConsoleHeaders(response: Response): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  // Unversioned module URLs: revalidate every time (cheap, thanks to ETags) so an upgrade is seen at once.
  response.setHeader('Cache-Control', 'no-cache');
}

/**
 * Serves the web console at `/console`, and sends `/` there. The files are served by Express's static middleware,
 * outside Nest's router, so the global token guard never sees them: the pages load without a
 * token and every API call they make carries `Authorization: Bearer`.
 */
@Module({
  imports: [
    ServeStaticModule.forRootAsync({
      useFactory: () => [
        {
          rootPath: findConsoleRoot(),
          serveRoot: CONSOLE_PATH,
          // The console routes with the URL's hash, so no path needs index.html as a fallback: an
          // unknown file is a 404 rather than HTML where a script was expected.
          renderPath: '/',
          serveStaticOptions: { index: 'index.html', redirect: true, fallthrough: true, setHeaders: setConsoleHeaders },
        },
      ],
    }),
  ],
  controllers: [ConsoleEntryController],
})
export class ConsoleModule {}
