/** Who is calling: the admin token, or an API token from the `api_tokens` table. */
export interface Principal {
  /** Stable id of the credential (`admin`, or the token's `tok_` id), used to scope idempotency keys and rate limits; never the secret itself. */
  credentialId: string;
  /** The one application this credential may touch, or null for all of them. */
  appId: string | null;
}

export const PRINCIPAL = Symbol('principal');
