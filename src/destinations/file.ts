// A file for a server's own loader: `.env` (KEY="value" lines) or `.json`, written through a temp
// file and a rename with mode 0600, so it is never readable by others, even for a moment.
import { writeOwnerOnlyFile } from '../secrets/private-files.ts';
import { writeOutputFile } from '../util/output-file.ts';
import type { Destination, DestinationDeps, DeliveryParts } from './destination.ts';
import type { DestinationSpec } from './spec.ts';

type FileSpec = Extract<DestinationSpec, { kind: 'file' }>;

export function fileDestination(spec: FileSpec, _deps: DestinationDeps): Destination {
  const label = `file ${spec.path}`;
  return {
    spec,
    label,
    async deliver(parts) {
      const text = spec.format === 'json' ? jsonOf(parts) : dotenvOf(parts);
      await writeOutputFile(spec.path, text, '--push', writeOwnerOnlyFile);
      return { ...(parts.key ? { keyId: parts.key.keyId } : {}), summary: `${spec.format === 'json' ? 'JSON' : '.env'} file (mode 0600)` };
    },
  };
}

function fields(parts: DeliveryParts): Array<[string, string]> {
  const key = parts.key;
  return [
    ['DATAVERSE_TENANT_ID', parts.tenantId],
    ['DATAVERSE_CLIENT_ID', parts.clientId],
    ['DATAVERSE_ENVIRONMENT_URL', parts.environmentUrl],
    ...(key?.kind === 'secret' ? ([['DATAVERSE_CLIENT_SECRET', key.clientSecret]] as Array<[string, string]>) : []),
    ...(key?.kind === 'certificate'
      ? ([
          ['DATAVERSE_CLIENT_CERTIFICATE', key.pem],
          ['DATAVERSE_CLIENT_CERTIFICATE_THUMBPRINT', key.thumbprint],
        ] as Array<[string, string]>)
      : []),
    ...(parts.connectionString ? ([['DATAVERSE_CONNECTION_STRING', parts.connectionString]] as Array<[string, string]>) : []),
    ...(key
      ? ([
          ['DATAVERSE_KEY_ID', key.keyId],
          ['DATAVERSE_KEY_EXPIRES_ON', key.expiresOn],
        ] as Array<[string, string]>)
      : []),
  ];
}

/** Double-quoted values with \\, " and newlines escaped: what dotenv loaders (Node's --env-file, dotenv) read back. */
function dotenvOf(parts: DeliveryParts): string {
  const quote = (value: string) =>
    `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\r', '').replaceAll('\n', '\\n')}"`;
  const header = `# Written by dynauth for profile ${parts.profile}; replaced when its credential rotates.\n`;
  return (
    header +
    fields(parts)
      .map(([name, value]) => `${name}=${quote(value)}\n`)
      .join('')
  );
}

function jsonOf(parts: DeliveryParts): string {
  const key = parts.key;
  const document = {
    profile: parts.profile,
    tenantId: parts.tenantId,
    clientId: parts.clientId,
    environmentUrl: parts.environmentUrl,
    ...(key?.kind === 'secret' ? { clientSecret: key.clientSecret } : {}),
    ...(key?.kind === 'certificate' ? { certificatePem: key.pem, thumbprint: key.thumbprint } : {}),
    ...(parts.connectionString ? { connectionString: parts.connectionString } : {}),
    ...(key ? { keyId: key.keyId, expiresOn: key.expiresOn } : {}),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
