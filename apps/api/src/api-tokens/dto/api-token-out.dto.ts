import { ApiTokenEntity } from '@app/persistence';

/** An API token as listed: never its secret. */
export class ApiTokenOut {
  id: string;
  name: string;
  /** The application the token is scoped to, or null when it is organisation-wide. */
  appId: string | null;
  createdAt: string;
}

/** The answer to creating a token, the only one that holds the token itself. */
export class ApiTokenCreatedOut extends ApiTokenOut {
  /** The bearer token. Shown once: only its hash is kept, and a replay of the request answers null here. */
  token: string | null;
}

export function toApiTokenOut(token: ApiTokenEntity): ApiTokenOut {
  return { id: token.id, name: token.name, appId: token.appId, createdAt: token.createdAt.toISOString() };
}
