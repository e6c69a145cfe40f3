/** Signing keys for JWT tests: ES256, with the local JWKS a verifier reads the public half from. */
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface TestSigningKey {
  privateKey: CryptoKey;
  /** A JWKS holding only this key's public half, under `kid`. */
  jwks: ReturnType<typeof createLocalJWKSet>;
}

/** A fresh ES256 key pair, its public half published under `kid`. */
export async function es256Key(kid: string): Promise<TestSigningKey> {
  const pair = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256' };
  return { privateKey: pair.privateKey, jwks: createLocalJWKSet({ keys: [jwk] }) };
}
