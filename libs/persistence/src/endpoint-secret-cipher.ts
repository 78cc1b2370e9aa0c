import { IdemConfig } from '@app/config';
import { SecretCipher, SecretDecryptionError } from '@app/core';

/**
 * What `endpoint_secrets.secret` holds: the signing secret sealed with AES-256-GCM under
 * IDEM_ENCRYPTION_KEY (`enc:v1:<key id>:<base64>`), bound to its endpoint's id so a sealed value copied
 * to another endpoint does not open. Rows written before secrets were encrypted hold the secret in
 * clear; they are read as they are until `reencrypt-secrets` seals them.
 *
 * Only repositories use this: services and the worker handle plaintext secrets and cannot write one
 * in clear. Opening costs a few microseconds, so nothing is cached: a decrypted secret lives only as
 * long as the delivery or request that needed it.
 */
export class EndpointSecretCipher {
  constructor(private readonly cipher: SecretCipher) {}

  static fromConfig(config: IdemConfig): EndpointSecretCipher {
    const { current, previous } = config.requireEncryptionKeys();
    return new EndpointSecretCipher(new SecretCipher(current, previous));
  }

  seal(endpointId: string, secret: string): string {
    return this.cipher.seal(secret, endpointId);
  }

  /** The secret in `stored`; a `SecretDecryptionError` naming the endpoint (never the value) if it cannot be read. */
  open(endpointId: string, stored: string): string {
    if (!SecretCipher.isSealed(stored)) return stored;
    try {
      return this.cipher.open(stored, endpointId);
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      throw new SecretDecryptionError(`a signing secret of endpoint ${endpointId} cannot be read: ${error.message}`);
    }
  }

  /** What every value sealed with the current key starts with; anything else is due for `reencrypt-secrets`. */
  get currentPrefix(): string {
    return this.cipher.currentPrefix;
  }
}
