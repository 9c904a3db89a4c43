/**
 * PKCS#12 (RFC 7292) for an SM2 key. node-forge's writer only takes RSA keys and node-forge
 * certificates, so this assembles the same structure forge writes for RSA (docs/pki.md §4), from
 * forge's own building blocks: PBES2 encryption of the PKCS#8 (PBKDF2-HMAC-SHA256, AES-256-CBC),
 * the PKCS#12 key derivation and HMAC-SHA1 for the MAC. Only the key bag's contents differ (an
 * SM2 PrivateKeyInfo) and the certificates go in as their DER. node-forge's reader already passes
 * unknown keys and certificates through as ASN.1, which fromPkcs12 turns back into SM2.
 */
import forge from 'node-forge';
import { binaryOf } from './sm2';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const seq = (value: forge.asn1.Asn1[]) => asn1.create(U, asn1.Type.SEQUENCE, true, value);
const set = (value: forge.asn1.Asn1[]) => asn1.create(U, asn1.Type.SET, true, value);
const oid = (id: string) => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string) => asn1.create(U, asn1.Type.OCTETSTRING, false, bytes);
const explicit0 = (value: forge.asn1.Asn1[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, value);
const oids = forge.pki.oids as Record<string, string>;

function dataContentInfo(contents: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(oids.data!), explicit0([octets(asn1.toDer(contents).getBytes())])]);
}

export function sm2Pkcs12(options: {
  privateKeyPkcs8: Uint8Array;
  /** The holder's certificate first, then the chain, as DER. */
  certificateDers: readonly Uint8Array[];
  password: string;
  friendlyName: string;
  iterations: number;
}): Uint8Array {
  const { password, iterations } = options;
  const holder = options.certificateDers[0];
  if (!holder) throw new Error('a PKCS#12 file needs the holder certificate');
  const sha1 = forge.md.sha1.create();
  sha1.update(binaryOf(holder));
  const bagAttributes = set([
    seq([oid(oids.localKeyId!), set([octets(sha1.digest().getBytes())])]),
    seq([oid(oids.friendlyName!), set([asn1.create(U, asn1.Type.BMPSTRING, false, options.friendlyName)])]),
  ]);

  const certBags = options.certificateDers.map((der, i) =>
    seq([
      oid(oids.certBag!),
      explicit0([seq([oid(oids.x509Certificate!), explicit0([octets(binaryOf(der))])])]),
      ...(i === 0 ? [bagAttributes] : []),
    ]),
  );
  const encryptedKey = forge.pki.encryptPrivateKeyInfo(asn1.fromDer(binaryOf(options.privateKeyPkcs8)), password, {
    algorithm: 'aes256',
    count: iterations,
    saltSize: 16,
    prfAlgorithm: 'sha256',
  } as forge.pki.EncryptionOptions);
  const keyBag = seq([oid(oids.pkcs8ShroudedKeyBag!), explicit0([encryptedKey]), bagAttributes]);
  const safe = seq([dataContentInfo(seq(certBags)), dataContentInfo(seq([keyBag]))]);

  // The PFX MAC, as node-forge writes it: HMAC-SHA1 under the PKCS#12 KDF (id 3), 16-byte salt.
  const macSalt = new forge.util.ByteStringBuffer(forge.random.getBytesSync(16));
  const generateKey = forge.pkcs12.generateKey as unknown as (p: string, s: forge.util.ByteStringBuffer, id: number, iter: number, n: number) => forge.util.ByteStringBuffer;
  const macKey = generateKey(password, macSalt, 3, iterations, 20);
  const mac = forge.hmac.create();
  mac.start('sha1', macKey.getBytes());
  mac.update(asn1.toDer(safe).getBytes());
  const macData = seq([
    seq([seq([oid(oids.sha1!), asn1.create(U, asn1.Type.NULL, false, '')]), octets(mac.digest().getBytes())]),
    octets(macSalt.getBytes()),
    asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);
  const pfx = seq([asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()), dataContentInfo(safe), macData]);
  return Uint8Array.from(asn1.toDer(pfx).getBytes(), (c) => c.charCodeAt(0));
}
