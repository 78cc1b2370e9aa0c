import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsSigningSecret } from '../../http/field-rules';

const SEVEN_DAYS_IN_SECONDS = 7 * 24 * 3600;

/** Svix's `EndpointSecretOut`: only the reveal-secret operation answers with it. */
export class EndpointSecretOut {
  key: string;
}

/** Svix's `EndpointSecretRotateIn`. */
export class EndpointSecretRotateIn {
  /** The new secret; generated when absent. */
  @IsOptional()
  @IsString()
  @IsSigningSecret()
  key?: string | null;

  /** How long the old secret keeps signing; IDEM_SECRET_ROTATION_GRACE when absent. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(SEVEN_DAYS_IN_SECONDS)
  gracePeriodSeconds?: number | null;
}
