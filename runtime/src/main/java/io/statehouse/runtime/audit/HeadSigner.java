package io.statehouse.runtime.audit;

/**
 * Signs the head statement of an audit export with the node's ES256 key, whose public half is at
 * {@code /.well-known/jwks.json}. Returns a compact JWS; its payload may be embedded or detached
 * (empty middle part): an export carries the statement beside the signature either way, and the
 * offline verifier accepts both.
 */
@FunctionalInterface
public interface HeadSigner {
  String sign(byte[] statement);
}
