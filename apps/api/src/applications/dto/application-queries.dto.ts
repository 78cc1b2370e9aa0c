import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { OrderedListQuery } from '../../http/list';

export class CreateApplicationQuery {
  /** Svix's `getOrCreate`: when an application already has the body's uid, answer 200 with it instead of 409. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  get_if_exists?: boolean;
}

export class ApplicationListQuery extends OrderedListQuery {}
