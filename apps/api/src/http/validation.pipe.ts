import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { RequestValidationError } from './request-validation.error';
import { findUnstorableText } from './unstorable-text';

class ClassValidatorFailure extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('validation failed');
  }
}

/** Svix's names for where a value came from. */
const LOCATION: Readonly<Record<string, string>> = { body: 'body', query: 'query', param: 'path' };

/**
 * Validates DTOs, strips unknown fields and reports failures in Svix's 422 shape, naming where each
 * came from. Before that, for every body, query and path value: a body sent must be a JSON object,
 * and no string may hold what Postgres cannot store (see `findUnstorableText`).
 */
@Injectable()
export class SvixValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      transform: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ClassValidatorFailure(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const location = LOCATION[metadata.type];
    if (location !== undefined) {
      // No body at all is an empty object, as Nest's pipe has it; a body that is there must be an object.
      if (metadata.type === 'body' && value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
        throw new RequestValidationError([{ loc: ['body'], msg: 'The request body must be a JSON object', type: 'type_error.dict' }]);
      }
      const problem = findUnstorableText(value, metadata.data === undefined ? [location] : [location, metadata.data]);
      if (problem) throw new RequestValidationError([problem]);
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof ClassValidatorFailure) {
        throw RequestValidationError.fromClassValidator(error.errors, metadata.type === 'custom' ? 'body' : metadata.type);
      }
      throw error;
    }
  }
}
