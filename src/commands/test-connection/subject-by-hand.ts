// The setup under test, made by hand: flags, plus the secret from stdin or a masked prompt,
// a certificate file, or a ServiceClient connection string on stdin.
import { X509Certificate } from 'node:crypto';
import type { AppSecret } from '../../auth/app-credential.ts';
import { handMadeFederatedSubject } from '../../steps/federated-subject.ts';
import { MissingInputError, UsageError } from '../../cli/errors.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import { parseConnectionString } from '../../secrets/connection-string.ts';
import type { ConnectionSubject } from '../../steps/connection-report.ts';
import { MAX_PEM_FILE_BYTES, readNamedFile } from '../../util/regular-file.ts';
import { MAX_STDIN_BYTES, readStdinValue } from '../../io/stdin.ts';
import { validateEnvironmentUrl, validateTenant } from '../../cli/flags/validate.ts';
import { validateClientId, type TestConnectionFlags } from './flags.ts';

export async function handMadeSubject(
  deps: Pick<Deps, 'io' | 'canPrompt' | 'prompter' | 'redactor'>,
  cloud: Cloud,
  flags: TestConnectionFlags,
): Promise<ConnectionSubject> {
  let { environment, tenant, clientId } = flags;
  let secret: Exclude<AppSecret, { kind: 'federated' }> | undefined;
  let thumbprint: string | undefined;
  if (flags.connectionStringStdin) {
    const fields = parseConnectionString(await readStdin(deps, 'a connection string', '--connection-string-stdin', flags.timeoutMs));
    const url = fields.url.replace(/\/+$/, '');
    validateEnvironmentUrl(url, cloud, "The connection string's Url");
    validateClientId(fields.clientId, "The connection string's ClientId");
    if (fields.tenantId) validateTenant(fields.tenantId);
    if (environment && environment.toLowerCase() !== url.toLowerCase())
      throw new UsageError('--environment differs from the Url of the connection string.');
    if (clientId && clientId.toLowerCase() !== fields.clientId.toLowerCase())
      throw new UsageError('--client-id differs from the ClientId of the connection string.');
    environment = url;
    clientId = fields.clientId;
    tenant ??= fields.tenantId;
    if (fields.clientSecret) secret = { kind: 'secret', clientSecret: fields.clientSecret };
    thumbprint = fields.thumbprint;
    if (thumbprint && !flags.certificate)
      throw new MissingInputError(['--certificate <file.pem> (the connection string names a certificate by thumbprint)']);
  }
  const missing = [
    !environment && '--environment <url>',
    !tenant && '--tenant <id|domain>',
    !clientId && '--client-id <id>',
    !secret &&
      !flags.certificate &&
      !flags.clientSecretStdin &&
      !flags.federatedTokenFile &&
      !deps.canPrompt &&
      '--client-secret-stdin (or --certificate <file.pem>) or --federated-token-file <file>',
  ].filter((item): item is string => Boolean(item));
  if (missing.length) throw new MissingInputError(missing);

  let expiresOn: string | undefined;
  if (flags.certificate) {
    const certificate = await readCertificate(flags.certificate);
    if (thumbprint && thumbprint.replace(/[^0-9a-f]/gi, '').toUpperCase() !== certificate.thumbprint) {
      throw new UsageError(
        `The certificate in ${flags.certificate} has thumbprint ${certificate.thumbprint}, not the connection string's ${thumbprint}.`,
      );
    }
    secret = { kind: 'certificate', pem: certificate.pem };
    thumbprint = certificate.thumbprint;
    expiresOn = certificate.expiresOn;
  }
  // A pipeline's own token (workload identity federation), when no secret or certificate was given.
  if (!secret && !flags.clientSecretStdin && flags.federatedTokenFile) {
    const setup = { tenant: tenant!, clientId: clientId!.toLowerCase(), environmentUrl: new URL(environment!).origin };
    return handMadeFederatedSubject(setup, flags.federatedTokenFile, (token) => deps.redactor.add(token));
  }
  if (!secret) {
    const clientSecret = flags.clientSecretStdin
      ? await readStdin(deps, 'the client secret', '--client-secret-stdin', flags.timeoutMs)
      : await deps.prompter.password({
          message: 'Client secret (its Value, not its Secret ID)',
          validate: (v) => v.trim().length > 0 || 'the secret is empty',
        });
    secret = { kind: 'secret', clientSecret: clientSecret.trim() };
  }
  deps.redactor.add(secret.kind === 'secret' ? secret.clientSecret : secret.pem);
  const given = secret;
  return {
    profile: undefined,
    appName: undefined,
    tenant: tenant!,
    clientId: clientId!.toLowerCase(),
    environmentUrl: new URL(environment!).origin,
    credential: { type: given.kind, thumbprint, expiresOn },
    expectedPrivileges: [],
    recordedRoles: [],
    recordedApplicationUserId: undefined,
    loadSecret: async () => given,
  };
}

async function readStdin(deps: Pick<Deps, 'io'>, what: string, flag: string, timeoutMs: number): Promise<string> {
  const { stdin } = deps.io;
  if (stdin.isTTY)
    throw new UsageError(`${flag} reads ${what} from a pipe, but stdin is a terminal.`, {
      hint: `Pipe it in (e.g. printenv APP_SECRET | dynauth test-connection … ${flag}), or leave ${flag} out to be asked.`,
    });
  const read = await readStdinValue(stdin, { timeoutMs });
  // Never echoed, whatever its size: it may be a secret.
  if ('problem' in read && read.problem === 'too-large') {
    throw new UsageError(
      `${flag} read more than ${MAX_STDIN_BYTES / 1024} KiB from stdin, far more than ${what}; nothing of it is shown.`,
      {
        hint: `Pipe only ${what} in.`,
        code: 'stdin-too-large',
      },
    );
  }
  if ('problem' in read) {
    throw new UsageError(`${flag}: stdin did not end within ${timeoutMs / 1000} s (--timeout).`, {
      hint: `Pipe ${what} in from a command that ends, or from a file (${flag} < file).`,
      code: 'stdin-not-ended',
    });
  }
  const text = read.text.trim();
  if (!text) throw new UsageError(`${flag} was given, but stdin was empty: pipe ${what} in.`, { code: 'empty-stdin' });
  return text;
}

async function readCertificate(file: string): Promise<{ pem: string; thumbprint: string; expiresOn: string }> {
  const pem = await readNamedFile(file, '--certificate', MAX_PEM_FILE_BYTES);
  if (!/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(pem) || !/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new UsageError(
      `--certificate ${file} must hold the certificate and its private key, both PEM (BEGIN CERTIFICATE, BEGIN PRIVATE KEY).`,
    );
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)![0]);
  } catch {
    throw new UsageError(`--certificate ${file} holds a certificate that cannot be read.`);
  }
  return { pem, thumbprint: x509.fingerprint.replace(/:/g, '').toUpperCase(), expiresOn: new Date(x509.validTo).toISOString() };
}
