import { SetMetadata } from '@nestjs/common';

export const SHOWN_ONCE_FIELDS = 'idem:shownOnceFields';

/**
 * Names fields of a route's answer that hold a secret shown only once, such as a new API token.
 * An `Idempotency-Key` record keeps the answer with these fields set to null, so the secret is never
 * stored, and a replay says what was created without revealing it again.
 */
export const ShownOnce = (...fields: string[]) => SetMetadata(SHOWN_ONCE_FIELDS, fields);
