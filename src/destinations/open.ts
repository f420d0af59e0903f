// The destination module behind each kind of --push spec.
import type { Destination, DestinationDeps } from './destination.ts';
import { fileDestination } from './file.ts';
import { githubDestination } from './github.ts';
import { keyVaultDestination } from './keyvault.ts';
import type { DestinationSpec } from './spec.ts';

export function openDestination(spec: DestinationSpec, deps: DestinationDeps): Destination {
  switch (spec.kind) {
    case 'github':
      return githubDestination(spec, deps);
    case 'keyvault':
      return keyVaultDestination(spec, deps);
    case 'file':
      return fileDestination(spec, deps);
  }
}
