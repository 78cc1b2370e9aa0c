import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from '../../http/field-rules';

/** Svix's `EventExampleIn`: which event type's example to send, and which of its examples. */
export class EventExampleIn {
  @IsString()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'eventType may only contain letters, digits, _ . - (1 to 256)' })
  eventType: string;

  /** Which of the newest schema's `examples` to send; the first by default. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  exampleIndex?: number | null;
}
