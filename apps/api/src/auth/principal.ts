/** Who is calling. Later scoped tokens narrow `appId`; the admin token may act on every application. */
export interface Principal {
  /** Stable id of the credential, used to scope idempotency keys; never the secret itself. */
  credentialId: string;
  /** The one application this credential may touch, or null for all of them. */
  appId: string | null;
}

export const PRINCIPAL = Symbol('principal');
