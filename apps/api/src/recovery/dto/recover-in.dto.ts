import { Type } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';

/** Svix's `RecoverIn`: resend what failed for messages accepted from `since` (and before `until`). */
export class RecoverIn {
  @Type(() => Date)
  @IsDate()
  since: Date;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date | null;
}
