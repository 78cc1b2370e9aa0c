import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { SvixErrorBody, SvixValidationErrorBody } from './svix-error.filter';
import type { ValidationProblem } from './request-validation.error';

// The error bodies `SvixErrorFilter` writes, under Svix's schema names. Their properties are
// declared here rather than left to the build plugin, so the document built from source (as the
// tests build it) has them too.

/** Svix's `HttpErrorOut`: every error but 422. */
@ApiSchema({ name: 'HttpErrorOut' })
export class HttpErrorOut implements SvixErrorBody {
  @ApiProperty({ description: 'A stable, machine-readable code such as `not_found`, `conflict` or `rate_limited`', example: 'not_found' })
  code: string;

  @ApiProperty({ description: 'What went wrong, for a person to read', example: 'Application not found' })
  detail: string;
}

/** Svix's `ValidationError`: one field that broke a rule. */
@ApiSchema({ name: 'ValidationError' })
export class ValidationErrorOut implements ValidationProblem {
  @ApiProperty({ description: 'Where the value was (`body`, `query`, `path` or `header`), then the field path', example: ['body', 'eventType'] })
  loc: string[];

  @ApiProperty({ example: 'eventType must match /^[a-zA-Z0-9_.-]{1,256}$/' })
  msg: string;

  @ApiProperty({ example: 'value_error' })
  type: string;
}

/** Svix's `HTTPValidationError`: the 422 body, one entry per broken rule. */
@ApiSchema({ name: 'HTTPValidationError' })
export class HttpValidationErrorOut implements SvixValidationErrorBody {
  @ApiProperty({ type: [ValidationErrorOut] })
  detail: ValidationErrorOut[];
}
