import { Controller, Get, Header, HttpCode, HttpStatus, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';

/** Where the console is mounted; every call it makes goes to `/api/v1` with the signed-in token. */
export const CONSOLE_PATH = '/console';

/**
 * The API's origin, opened in a browser: `/` leads to the console, and the icon every browser asks
 * for is answered with nothing rather than a 404 in the log and the browser's console.
 */
@ApiExcludeController()
@Controller()
export class ConsoleEntryController {
  @Public()
  @Get()
  @Redirect(`${CONSOLE_PATH}/`, HttpStatus.FOUND)
  root(): void {}

  @Public()
  @Get('favicon.ico')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): void {}
}
