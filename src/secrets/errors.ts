// Typed errors of the secrets layer. Messages and hints name accounts, keys and
// causes, never a secret value: they end up on the terminal and in logs.

export type KeychainFailureReason = 'timeout' | 'no-service' | 'locked' | 'too-large' | 'failure';

export class KeychainUnavailableError extends Error {
  readonly code = 'KEYCHAIN_UNAVAILABLE';
  readonly reason: KeychainFailureReason;
  readonly hint: string;

  constructor(message: string, options: { reason: KeychainFailureReason; hint: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'KeychainUnavailableError';
    this.reason = options.reason;
    this.hint = options.hint;
  }
}

export class KeychainItemMissing extends Error {
  readonly code = 'KEYCHAIN_ITEM_MISSING';
  readonly service: string;
  readonly account: string;
  readonly hint: string;

  constructor(service: string, account: string, hint: string) {
    super(`No keychain item for service "${service}", account "${account}".`);
    this.name = 'KeychainItemMissing';
    this.service = service;
    this.account = account;
    this.hint = hint;
  }
}

export class DecryptionFailedError extends Error {
  readonly code = 'DECRYPTION_FAILED';
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'DecryptionFailedError';
    this.hint = hint;
  }
}

export class PassphraseRequiredError extends Error {
  readonly code = 'PASSPHRASE_REQUIRED';
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'PassphraseRequiredError';
    this.hint = hint;
  }
}

export class ConnectionStringError extends Error {
  readonly code = 'INVALID_CONNECTION_STRING';

  constructor(message: string) {
    super(message);
    this.name = 'ConnectionStringError';
  }
}

export class SecretFileStoreError extends Error {
  readonly code = 'SECRET_FILE_STORE';
  readonly hint: string;

  constructor(message: string, hint: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'SecretFileStoreError';
    this.hint = hint;
  }
}
