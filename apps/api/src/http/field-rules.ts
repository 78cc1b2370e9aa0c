import { isValidSigningSecret, THROTTLE_RATE_MAX, THROTTLE_RATE_MIN } from '@app/core';
import { IsInt, IsOptional, Max, Min, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** Svix's rule for an application's or endpoint's `uid`. */
export const UID_PATTERN = /^[a-zA-Z0-9_.-]{1,256}$/;

/** An event type's name, also where one is referred to (`eventType`, `filterTypes`). */
export const EVENT_TYPE_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,256}$/;

/** Svix's rule for a channel name. */
export const CHANNEL_PATTERN = /^[a-zA-Z0-9_.:-]{1,128}$/;

/**
 * Control characters, and the Unicode bidirectional embeddings, overrides and isolates that can make
 * a name read as something else where it is shown (U+202E turns "gpj.exe" into "exe.jpg").
 */
const DISPLAY_NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A name shown to people (an application's, an API token's): one line, no control or bidi override characters. */
export function IsDisplayName(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDisplayName',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must not contain control characters or bidirectional overrides', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && !DISPLAY_NAME_FORBIDDEN.test(value) },
    });
}

/**
 * Svix's `throttleRate` and its deprecated name `rateLimit`: messages per second, a uint16 in Svix, and 0
 * is refused (it would stop delivery; disabling the endpoint does that). Null means no limit. When both
 * names are sent they must agree.
 */
export function IsThrottleRate(otherName: 'rateLimit' | 'throttleRate'): PropertyDecorator {
  return (target, propertyName) => {
    IsOptional()(target, propertyName);
    IsInt()(target, propertyName);
    Min(THROTTLE_RATE_MIN)(target, propertyName);
    Max(THROTTLE_RATE_MAX)(target, propertyName);
    registerDecorator({
      name: 'isSameThrottleRate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property and ${otherName} name one setting; when both are sent they must be equal` },
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const other = (args.object as Record<string, unknown>)[otherName];
          return other === undefined || other === value;
        },
      },
    });
  };
}

/** The rate limit a body sets, under either name (validation made them agree); undefined when neither was sent. */
export function throttleRateOf(input: { rateLimit?: number | null; throttleRate?: number | null }): number | null | undefined {
  return input.throttleRate !== undefined ? input.throttleRate : input.rateLimit;
}

/** A JSON object whose values are all strings, as Svix's `metadata`. */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an object of string values', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string'),
      },
    });
}

/**
 * An http or https URL as WHATWG parses it, which is how undici will parse it when it connects. So
 * `http://2130706433/` passes here, as the 127.0.0.1 it means, and the target policy refuses it for
 * what it is; a validator with its own idea of a host name would call it malformed instead.
 */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an http or https URL', ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !URL.canParse(value)) return false;
          const { protocol } = new URL(value);
          return protocol === 'http:' || protocol === 'https:';
        },
      },
    });
}

/** An endpoint signing secret: `whsec_` and base64 of 24 to 64 bytes. */
export function IsSigningSecret(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSigningSecret',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be whsec_ followed by base64 of 24 to 64 bytes', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isValidSigningSecret(value) },
    });
}

/** A field that may not be sent together with `other` (Svix's "mutually exclusive" fields). */
export function IsExclusiveWith(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isExclusiveWith',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [other],
      options: { message: `$property and ${other} are mutually exclusive: send one of them`, ...options },
      validator: { validate: (value: unknown, args) => value == null || (args?.object as Record<string, unknown>)[other] == null },
    });
}
