package io.statehouse.runtime.identity;

import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

/**
 * ES256 signatures (ECDSA over P-256 with SHA-256, in the JWS form {@code R || S}) made with Bouncy
 * Castle's own API: every tool call signs a token on the turn path. Through the JCA, each signature
 * looked up a provider service, converted the key and drew a nonce from the shared {@code
 * SecureRandom}; here the key is converted once, and the curve's table of base-point multiples
 * (kept on the curve's generator) is built once per JVM.
 *
 * <p>Nonces are deterministic (RFC 6979, HMAC-SHA256): the same key and message give the same
 * signature, and no nonce depends on the quality of a random source. Verifiers cannot tell the
 * difference: these are plain ES256 signatures. Thread-safe.
 */
final class Es256 {
  private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
  private static final ECDomainParameters DOMAIN =
      new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(), P256.getH());
  private static final int FIELD_BYTES = 32;

  private final ECPrivateKeyParameters key;

  Es256(ECPrivateKey key) {
    this.key = new ECPrivateKeyParameters(key.getS(), DOMAIN);
  }

  /** The JWS signature of {@code signingInput}: R and S, 32 bytes each, big-endian. */
  byte[] sign(byte[] signingInput) {
    SHA256Digest sha = new SHA256Digest();
    sha.update(signingInput, 0, signingInput.length);
    byte[] hash = new byte[sha.getDigestSize()];
    sha.doFinal(hash, 0);
    ECDSASigner ecdsa = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    ecdsa.init(true, key);
    BigInteger[] rs = ecdsa.generateSignature(hash);
    byte[] out = new byte[2 * FIELD_BYTES];
    put(rs[0], out, 0);
    put(rs[1], out, FIELD_BYTES);
    return out;
  }

  /** {@code n} as exactly 32 big-endian bytes at {@code offset} (n is below the group order). */
  private static void put(BigInteger n, byte[] out, int offset) {
    byte[] b = n.toByteArray();
    int skip = b.length > FIELD_BYTES ? b.length - FIELD_BYTES : 0; // a leading sign byte
    int length = b.length - skip;
    System.arraycopy(b, skip, out, offset + FIELD_BYTES - length, length);
  }
}
