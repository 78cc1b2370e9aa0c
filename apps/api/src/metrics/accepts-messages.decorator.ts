import { SetMetadata } from '@nestjs/common';

export const ACCEPTS_MESSAGES = 'idem:acceptsMessages';

/**
 * Marks the route that accepts messages. An Idempotency-Key replay of it is answered without running
 * it; the mark lets that replay still be counted as an accepted message.
 */
export const AcceptsMessages = () => SetMetadata(ACCEPTS_MESSAGES, true);
