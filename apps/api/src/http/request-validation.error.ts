import type { ValidationError } from 'class-validator';

export interface ValidationProblem {
  loc: string[];
  msg: string;
  type: string;
}

/** A request whose body, query or path failed validation: answered 422 with one problem per field. */
export class RequestValidationError extends Error {
  constructor(readonly problems: ValidationProblem[]) {
    super(problems.map((problem) => `${problem.loc.join('.')}: ${problem.msg}`).join('; '));
  }

  static fromClassValidator(errors: ValidationError[], location: string): RequestValidationError {
    const problems: ValidationProblem[] = [];
    const walk = (error: ValidationError, path: string[]) => {
      const here = [...path, error.property];
      // The pipe stops at a field's first broken rule (`stopAtFirstError`): a missing field is reported
      // once, as missing, not also as too short and malformed.
      const [message] = Object.values(error.constraints ?? {});
      if (message !== undefined) problems.push({ loc: here, msg: message, type: 'value_error' });
      for (const child of error.children ?? []) walk(child, here);
    };
    for (const error of errors) walk(error, [location]);
    return new RequestValidationError(problems);
  }
}
