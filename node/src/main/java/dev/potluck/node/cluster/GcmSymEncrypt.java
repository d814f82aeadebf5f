package dev.potluck.node.cluster;

import java.security.Key;
import java.util.concurrent.BlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.EncryptHeader;
import org.jgroups.protocols.SYM_ENCRYPT;

/**
 * JGroups' {@link SYM_ENCRYPT} in an authenticated mode, AES-GCM with a 128-bit tag: a frame altered on
 * the wire, or made without the key, fails to decrypt and is dropped. JGroups 5.5.7 accepts
 * {@code sym_algorithm="AES/GCM/NoPadding"} and a {@code sym_iv_length}, and sends each message's random
 * IV in its header, but initialises every cipher with an {@code IvParameterSpec}, which the JDK's GCM
 * refuses ("AlgorithmParameterSpec not of GCMParameterSpec"). This class only initialises the pooled
 * ciphers with a {@link GCMParameterSpec} instead; everything else is SYM_ENCRYPT's.
 *
 * <p>What SYM_ENCRYPT covers is unchanged: the payload of every message that has one (and the whole
 * message when it is not a plain byte array). Headers of messages without a payload travel in clear and
 * unauthenticated, as in any SYM_ENCRYPT stack.
 */
final class GcmSymEncrypt extends SYM_ENCRYPT {

  /** This protocol's id in every member's stack (custom ids start at 512; MdnsPing has 1100). */
  static final short ID = 1101;

  static final String ALGORITHM = "AES/GCM/NoPadding";
  static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;

  static {
    ClassConfigurator.addProtocol(ID, GcmSymEncrypt.class);
  }

  GcmSymEncrypt(Key key) {
    setSecretKey(new javax.crypto.spec.SecretKeySpec(key.getEncoded(), "AES"));
    symAlgorithm(ALGORITHM);
    symIvLength(IV_BYTES);
  }

  @Override
  protected byte[] code(byte[] buf, int offset, int length, byte[] iv, boolean decode) throws Exception {
    if (iv == null || iv.length != IV_BYTES) {
      throw new java.security.InvalidAlgorithmParameterException(
          "a " + IV_BYTES + "-byte IV is needed, got " + (iv == null ? "none" : iv.length + " bytes"));
    }
    BlockingQueue<Cipher> pool = decode ? decoding_ciphers : encoding_ciphers;
    Cipher cipher = pool.take();
    try {
      cipher.init(decode ? Cipher.DECRYPT_MODE : Cipher.ENCRYPT_MODE, secret_key, new GCMParameterSpec(TAG_BITS, iv));
      return cipher.doFinal(buf, offset, length);
    } finally {
      pool.offer(cipher);
    }
  }

  /** One static key: every message is decrypted through {@link #code}, never a cipher of an older key. */
  @Override
  protected Message _decrypt(Cipher cipher, Key key, Message msg, EncryptHeader hdr) throws Exception {
    return super._decrypt(null, key, msg, hdr);
  }
}
