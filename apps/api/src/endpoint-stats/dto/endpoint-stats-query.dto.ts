import { Type } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';

/** Svix's stats query: the window of messages the delivery counts cover. */
export class EndpointStatsQuery {
  /** Default: 28 days before `until`. */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;

  /** Default: now. */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date;
}
