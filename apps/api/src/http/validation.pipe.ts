import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { validate, ValidationError, ValidatorOptions } from 'class-validator';
import { RequestValidationError } from './request-validation.error';
import { findUnstorableText } from './unstorable-text';

class ClassValidatorFailure extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('validation failed');
  }
}

/** Svix's names for where a value came from. */
const LOCATION: Readonly<Record<string, string>> = { body: 'body', query: 'query', param: 'path' };

const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

const NOT_AN_OBJECT = { msg: 'The request body must be a JSON object', type: 'type_error.dict' };

/**
 * Validates DTOs, strips unknown fields and reports failures in Svix's 422 shape, naming where each
 * came from. Before that, for every body, query and path value: a body sent must be a JSON object,
 * and no string may hold what Postgres cannot store (see `findUnstorableText`).
 */
@Injectable()
export class SvixValidationPipe extends ValidationPipe {
  constructor() {
    super({
      ...VALIDATOR_OPTIONS,
      transform: true,
      exceptionFactory: (errors) => new ClassValidatorFailure(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const location = LOCATION[metadata.type];
    if (location !== undefined) {
      // No body at all is an empty object, as Nest's pipe has it; a body that is there must be an object.
      if (metadata.type === 'body' && value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
        throw new RequestValidationError([{ loc: ['body'], ...NOT_AN_OBJECT }]);
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

/**
 * Validates one more body of a request the pipe has already been through (the batch create's items)
 * by the same rules, without the pipe's deep copy: for a DTO with no nested DTOs and no transforms,
 * whose nested values the request handler only reads. Returns the DTO, or the problems located under
 * `body` as the pipe would have.
 */
export async function validateBodyAlreadyPiped<T extends object>(metatype: new () => T, value: unknown): Promise<T | RequestValidationError> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new RequestValidationError([{ loc: ['body'], ...NOT_AN_OBJECT }]);
  const instance = Object.assign(new metatype(), value);
  const errors = await validate(instance, VALIDATOR_OPTIONS);
  return errors.length === 0 ? instance : RequestValidationError.fromClassValidator(errors, 'body');
}
