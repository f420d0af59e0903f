import { createCertificateAuthority, issueServerCertificate } from '../crypto/x509.ts';

export interface EmulatorTls {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, created in memory at start. */
export function createEmulatorTls(): EmulatorTls {
  const ca = createCertificateAuthority({ commonName: 'dynauth sandbox throwaway CA', validDays: 30 });
  const server = issueServerCertificate(ca, {
    commonName: 'dynauth sandbox',
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
    validDays: 29,
  });
  return { caCertPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}
