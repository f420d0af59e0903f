// Typed errors of the secrets layer: DynauthErrors with stable kebab-case codes, the same in every
// command's --json. Messages and hints name accounts, keys and causes, never a secret value: they
// end up on the terminal and in logs.
import { DynauthError, ExitCode } from '../cli/errors.ts';

export type KeychainFailureReason = 'timeout' | 'no-service' | 'locked' | 'too-large' | 'failure';

export class KeychainUnavailableError extends DynauthError {
  declare readonly hint: string;
  readonly reason: KeychainFailureReason;

  constructor(message: string, options: { reason: KeychainFailureReason; hint: string; cause?: unknown }) {
    super(message, { hint: options.hint, code: 'keychain-unavailable', cause: options.cause });
    this.name = 'KeychainUnavailableError';
    this.reason = options.reason;
  }
}

export class KeychainItemMissing extends DynauthError {
  declare readonly hint: string;
  readonly service: string;
  readonly account: string;

  constructor(service: string, account: string, hint: string) {
    super(`No keychain item for service "${service}", account "${account}".`, { hint, code: 'keychain-missing' });
    this.name = 'KeychainItemMissing';
    this.service = service;
    this.account = account;
  }
}

/** The profile exists but its store holds no (usable) credential for it. */
export class StoredConnectionMissing extends DynauthError {
  constructor(message: string, hint?: string) {
    super(message, { hint, code: 'keychain-missing' });
    this.name = 'StoredConnectionMissing';
  }
}

/** The wrong passphrase, or a damaged item: kept as "keychain-undecryptable", the code test-connection has always given. */
export class DecryptionFailedError extends DynauthError {
  declare readonly hint: string;

  constructor(message: string, hint: string) {
    super(message, { hint, code: 'keychain-undecryptable' });
    this.name = 'DecryptionFailedError';
  }
}

export class PassphraseRequiredError extends DynauthError {
  declare readonly hint: string;

  constructor(message: string, hint: string) {
    super(message, { hint, code: 'passphrase-required', exitCode: ExitCode.usage });
    this.name = 'PassphraseRequiredError';
  }
}

export class ConnectionStringError extends DynauthError {
  constructor(message: string) {
    super(message, { code: 'invalid-connection-string', exitCode: ExitCode.usage });
    this.name = 'ConnectionStringError';
  }
}

export class SecretFileStoreError extends DynauthError {
  declare readonly hint: string;

  constructor(message: string, hint: string, cause?: unknown) {
    super(message, { hint, code: 'file-store', cause });
    this.name = 'SecretFileStoreError';
  }
}
