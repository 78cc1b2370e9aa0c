import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsDisplayName, UID_PATTERN } from '../../http/field-rules';

/** Idem's extension: the body of `POST /api/v1/auth/token`. */
export class ApiTokenIn {
  /** For people: what the token is for. */
  @IsString()
  @Length(1, 256)
  @IsDisplayName()
  name: string;

  /** The application (id or uid) the token is scoped to; absent or null for an organisation-wide token. */
  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: 'appId must be an application id or uid' })
  appId?: string | null;
}
