import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { RequestValidationError } from './request-validation.error';

class ClassValidatorFailure extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('validation failed');
  }
}

/** Validates DTOs, strips unknown fields and reports failures in Svix's 422 shape, naming where each came from. */
@Injectable()
export class SvixValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      transform: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ClassValidatorFailure(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
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
