import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import type { SvixErrorBody, SvixValidationErrorBody } from '../../http/svix-error.filter';
import { MessageOut } from './message-out.dto';

export const MAX_BATCH_MESSAGES = 1000;

/** Idem's batch create: each item is Svix's `MessageIn`, validated on its own so that one bad item refuses only itself. */
export class MessageBatchIn {
  /** 1 to 1,000 messages, each a `MessageIn` with its own `eventId`. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_MESSAGES)
  messages: unknown[];
}

/** What became of one item: `status` 202 with its `message`, or the status and error body a single create would have answered. */
export class MessageBatchItemOut {
  status: number;
  message?: MessageOut;
  error?: SvixErrorBody | SvixValidationErrorBody;
}

/** One result per item, in the order sent. */
export class MessageBatchOut {
  data: MessageBatchItemOut[];
}
