// Kept apart from delegated-token.ts so that reading a refusal (the diagnoses) does not load the OAuth client.

/** Entra refused the request: `aadsts` is its AADSTS number (error_codes[0], or read from the description). */
export class EntraTokenError extends Error {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number | undefined;
  constructor(status: number, error: string, description: string, aadsts: number | undefined) {
    super(description.split(/\r?\n/)[0] || error);
    this.name = 'EntraTokenError';
    this.status = status;
    this.error = error;
    this.aadsts = aadsts;
  }
}
