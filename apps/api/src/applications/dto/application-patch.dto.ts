import { IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { IsDisplayName, IsStringMap, UID_PATTERN } from '../../http/field-rules';

/** Svix's `ApplicationPatch`: absent fields keep their value; `uid: null` removes the uid. */
export class ApplicationPatch {
  @IsOptional()
  @IsString()
  @Length(1, 256)
  @IsDisplayName()
  name?: string;

  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: 'uid may only contain letters, digits, _ . - (1 to 256)' })
  uid?: string | null;

  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string>;

  @IsOptional()
  @IsInt()
  @Min(1)
  rateLimit?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  throttleRate?: number | null;
}
