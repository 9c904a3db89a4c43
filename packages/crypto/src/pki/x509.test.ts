import { describe, expect, it } from 'vitest';
import { CertificateError } from './errors';
import { validateCertificate } from './validate';
import { publicKeyAlgorithmOfCertificate } from './x509';

// Made once with OpenSSL 3.0 (genpkey -pkeyopt ec_paramgen_curve:SM2; req -x509 -sm3) and pasted here.
const SM2_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBiTCCAS+gAwIBAgIUeifGhuIbTfr5o1PhUykW5p6w8DAwCgYIKoEcz1UBg3Uw
GjEYMBYGA1UEAwwPU00yIFRlc3QgQmlkZGVyMB4XDTI2MTEyMjE3MDUyMVoXDTM2
MTExOTE3MDUyMVowGjEYMBYGA1UEAwwPU00yIFRlc3QgQmlkZGVyMFkwEwYHKoZI
zj0CAQYIKoEcz1UBgi0DQgAEPz9LOfBvGANqL1mEf0kImRVPgiQHxr7wbPG7tF5J
AGw1LMNYu8xr3aoBlxesMvWwi0CwVEI/Q9QKyttXrXWJ3qNTMFEwHQYDVR0OBBYE
FCJORqrJd92KcvvEgk3hikz69pczMB8GA1UdIwQYMBaAFCJORqrJd92KcvvEgk3h
ikz69pczMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoEcz1UBg3UDSAAwRQIgQUjF7wej
1lmUfQK93N0C1eMrexpw8lQnNUt6EoAgLSoCIQDkZejZsnGKL/+QnMPoE569sMcV
HiT/1J4vXbO8pIw+wA==
-----END CERTIFICATE-----`;
const P256_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUDIpLDHhDlQwK5/IuyWzeUtvbp3AwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRUC0yNTYgVGVzdCBCaWRkZXIwHhcNMjYxMTIyMTcwNTIxWhcN
MzYxMTE5MTcwNTIxWjAcMRowGAYDVQQDDBFQLTI1NiBUZXN0IEJpZGRlcjBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABHbwvY0O2sdbuhgOEDr9AvxYrd33tEF3X96o
G83kQ7xwr2cIJsK3wQ8cYoRhUhjbNBTGeSjiKV9fj+dOx+wDNWujUzBRMB0GA1Ud
DgQWBBQ1HDO/nVLD8ZjwWBZQMlJv+tHI8zAfBgNVHSMEGDAWgBQ1HDO/nVLD8Zjw
WBZQMlJv+tHI8zAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIEPs
DKy5ge3XL4+i2cpJx/iOCoMGfAOoK63E/n6moM8SAiAsmDJkv9DtIyBenOU2BFDc
J2OYNMsOnT4fI79j4imR9w==
-----END CERTIFICATE-----`;


describe('certificates by key algorithm (docs/pki.md §7)', () => {
  it('recognises an SM2 certificate before node-forge (RSA only) tries to parse it', () => {
    expect(publicKeyAlgorithmOfCertificate(SM2_CERTIFICATE)).toBe('sm2');
    expect(publicKeyAlgorithmOfCertificate(P256_CERTIFICATE)).toBe('other');
  });

  it('reads an SM2 certificate made by OpenSSL (signed with the empty user id) and checks it like any other', () => {
    // A self-signed CA certificate: as a holder's certificate it is refused for being a CA, not for its algorithm.
    const run = () => validateCertificate({ certificatePem: SM2_CERTIFICATE, trustedRootPems: [SM2_CERTIFICATE], at: new Date('2027-01-01'), requiredUsage: 'signature' });
    expect(run).toThrow(expect.objectContaining({ code: 'is-ca' }));
  });

  it('refuses other non-RSA certificates (P-256) with unsupported-algorithm, not a crash', () => {
    try {
      validateCertificate({ certificatePem: P256_CERTIFICATE, trustedRootPems: [P256_CERTIFICATE], at: new Date(), requiredUsage: 'signature' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CertificateError);
      expect((error as CertificateError).code).toBe('unsupported-algorithm');
      expect((error as CertificateError).detail).toContain('neither an RSA nor an SM2 key');
    }
  });
});
