// Messages between keyring-store.ts (the CLI) and keyring-worker.ts (its child process).
export type KeyringRequest =
  | { id: number; op: 'get'; service: string; account: string }
  | { id: number; op: 'set'; service: string; account: string; value: Uint8Array }
  | { id: number; op: 'delete'; service: string; account: string };

export type KeyringResponse = { id: number; ok: true; value?: Uint8Array; deleted?: boolean } | { id: number; ok: false; message: string };
