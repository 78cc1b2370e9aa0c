import { isValidSigningSecret } from '@app/core';
import { registerDecorator, ValidationOptions } from 'class-validator';

/** Svix's rule for an application's or endpoint's `uid`. */
export const UID_PATTERN = /^[a-zA-Z0-9_.-]{1,256}$/;

/** An event type's name, also where one is referred to (`eventType`, `filterTypes`). */
export const EVENT_TYPE_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,256}$/;

/** Svix's rule for a channel name. */
export const CHANNEL_PATTERN = /^[a-zA-Z0-9_.:-]{1,128}$/;

/** `throttleRate` wins over Svix's deprecated `rateLimit`; undefined when neither was sent. */
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
