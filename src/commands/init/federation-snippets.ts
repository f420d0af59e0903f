// What init prints for a federated setup: per --federation spec, a ready snippet for the pipeline
// (a GitHub Actions job, the Azure DevOps service connection's values, a Kubernetes service
// account, or the values any OIDC platform needs). None holds a secret: there is none.
import { parseFederationSpec, TOKEN_EXCHANGE_AUDIENCE, type FederationSpec } from '../../connection/federation-spec.ts';
import type { FederationFacts, Profile } from '../../profiles/profile.ts';

export interface SnippetFacts {
  tenantId: string;
  clientId: string;
  environmentUrl: string;
}

export function snippetFor(facts: FederationFacts, connection: SnippetFacts): string {
  const spec = parseFederationSpec(facts.spec);
  switch (spec.platform) {
    case 'github':
      return githubJob(spec, connection);
    case 'azure-devops':
      return [
        'Azure DevOps: a service connection of type Azure Resource Manager, workload identity federation (manual), with:',
        `  Tenant ID:                     ${connection.tenantId}`,
        `  Service principal (client) ID: ${connection.clientId}`,
        `  Issuer:                        ${facts.issuer}`,
        `  Subject identifier:            ${facts.subject}`,
        `  Dataverse environment URL:     ${connection.environmentUrl}`,
        'Power Platform CLI steps sign in with it (the service connection supplies the token):',
        `  pac auth create --azureDevOpsFederated --tenant ${connection.tenantId} --applicationId ${connection.clientId} --environment ${connection.environmentUrl}`,
        "To prove the connection in a job, write the service connection's idToken to a file and run:",
        `  ${proveCommand(connection, '<file>')}`,
      ].join('\n');
    case 'kubernetes': {
      const [, , namespace, serviceAccount] = facts.subject.split(':');
      return [
        '# Kubernetes (Azure Workload Identity): the service account, and pods labelled azure.workload.identity/use: "true".',
        '# The webhook sets AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE in the pods.',
        'apiVersion: v1',
        'kind: ServiceAccount',
        'metadata:',
        `  name: ${serviceAccount}`,
        `  namespace: ${namespace}`,
        '  annotations:',
        `    azure.workload.identity/client-id: "${connection.clientId}"`,
        `    azure.workload.identity/tenant-id: "${connection.tenantId}"`,
        `# Dataverse environment URL: ${connection.environmentUrl}`,
        `# In a pod (AZURE_FEDERATED_TOKEN_FILE is set): ${proveCommand(connection, '"$AZURE_FEDERATED_TOKEN_FILE"')}`,
      ].join('\n');
    }
    case 'oidc':
      return [
        `Any platform whose OIDC token has issuer ${facts.issuer} and subject ${facts.subject}:`,
        `  request the token with audience ${TOKEN_EXCHANGE_AUDIENCE}, then sign in with`,
        `  AZURE_TENANT_ID=${connection.tenantId} AZURE_CLIENT_ID=${connection.clientId} AZURE_FEDERATED_TOKEN_FILE=<the token's file>`,
        `  Dataverse environment URL: ${connection.environmentUrl}`,
        `  Prove it: ${proveCommand(connection, "<the token's file>")}`,
      ].join('\n');
  }
}

/** A GitHub Actions job whose token carries exactly the subject the app trusts. */
function githubJob(spec: FederationSpec, connection: SnippetFacts): string {
  const trigger = spec.github?.pullRequest
    ? ['on: pull_request']
    : spec.github?.ref?.startsWith('refs/tags/')
      ? ['on:', '  push:', `    tags: [${JSON.stringify(spec.github.ref.slice('refs/tags/'.length))}]`]
      : spec.github?.ref
        ? ['on:', '  push:', `    branches: [${JSON.stringify(spec.github.ref.slice('refs/heads/'.length))}]`]
        : ['on: workflow_dispatch'];
  const subjectNote = spec.github
    ? [
        `# The job's token must carry exactly the subject ${spec.subject} (case-sensitive).`,
        '# A repository created or renamed after mid-2026 gets immutable repo:owner-ID/repo-ID subjects, and an',
        '# organisation may customise the template: then trust what GitHub sends, raw: --federation github:subject:<it>',
      ]
    : [
        `# The token's subject must be exactly: ${spec.subject}`,
        '# (a customised subject template or immutable repo:owner-ID/repo-ID subject, as given).',
      ];
  return [
    `# .github/workflows/dataverse.yml${spec.github ? ` in ${spec.github.repository}` : ''}`,
    ...subjectNote,
    ...trigger,
    'jobs:',
    '  dataverse:',
    '    runs-on: ubuntu-latest',
    ...(spec.github?.environment ? [`    environment: ${yamlScalar(spec.github.environment)}`] : []),
    '    permissions:',
    '      id-token: write # lets the job ask GitHub for its OIDC token',
    '      contents: read',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: microsoft/powerplatform-actions/actions-install@v1',
    '      - name: Sign in to Dataverse (no secret)',
    `        run: pac auth create --githubFederated --tenant ${connection.tenantId} --applicationId ${connection.clientId} --environment ${connection.environmentUrl}`,
    '      # Or, for Azure CLI and Azure PowerShell steps:',
    '      # - uses: azure/login@v2',
    '      #   with:',
    `      #     client-id: ${connection.clientId}`,
    `      #     tenant-id: ${connection.tenantId}`,
    '      #     allow-no-subscriptions: true',
    '      # To prove the connection from the runner:',
    '      # - run: |',
    `      #     curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=${TOKEN_EXCHANGE_AUDIENCE}" | jq -r .value > "$RUNNER_TEMP/oidc-token"`,
    `      #     ${proveCommand(connection, '"$RUNNER_TEMP/oidc-token"')}`,
  ].join('\n');
}

/** Plain when YAML reads it back as that string; quoted otherwise (YAML 1.1 reads yes/on/off as booleans, 1.0 as a number). */
function yamlScalar(value: string): string {
  const plain = /^[A-Za-z0-9 _.-]+$/.test(value) && !/^\s|\s$/.test(value);
  const readAsOther = /^(?:y|yes|n|no|true|false|on|off|null)$/i.test(value) || /^[-+.]?\d/.test(value);
  return plain && !readAsOther ? value : JSON.stringify(value);
}

/** test-connection as the pipeline runs it: no profile file there, the setup given by hand with the platform's token. */
export function proveCommand(connection: SnippetFacts, file: string): string {
  return `dynauth test-connection --tenant ${connection.tenantId} --client-id ${connection.clientId} --environment ${connection.environmentUrl} --federated-token-file ${file}`;
}

export function snippetFactsOf(profile: Profile): SnippetFacts {
  return { tenantId: profile.tenantId, clientId: profile.clientId, environmentUrl: profile.environment.url };
}
