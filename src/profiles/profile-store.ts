// One JSON file per profile, owner-only, replaced atomically. What is read back is untrusted: a file
// (or directory) another user could have written is refused before its contents are believed.
import { constants } from 'node:fs';
import { open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '../util/regular-file.ts';
import { assertPrivateDir, isNotFound, untrustedBecause, writePrivateFileAtomic } from '../secrets/private-files.ts';
import { ProfileFileError } from './errors.ts';
import { resolveProfilesDir, type ConfigLocationInput } from './paths.ts';
import { toStoredProfile, type Profile } from './profile.ts';
import { validateProfileName } from './profile-name.ts';

const EXTENSION = '.json';
/** A profile is a few KB; anything near this is not one, and is not read into memory. */
const MAX_PROFILE_BYTES = 1024 * 1024;
const MAX_RECORD_BYTES = 64 * 1024;

export class ProfileStore {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  static forUser(location: ConfigLocationInput): ProfileStore {
    return new ProfileStore(resolveProfilesDir(location));
  }

  fileFor(name: string): string {
    return join(this.directory, `${validateProfileName(name)}${EXTENSION}`);
  }

  async read(name: string): Promise<Profile | undefined> {
    const file = this.fileFor(name);
    await assertPrivateDir(this.directory);
    const text = await readTrusted(file, name);
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ProfileFileError(
        'profile-tampered',
        file,
        'is not valid JSON.',
        `Fix or delete the file, then run setup for "${name}" again.`,
        error,
      );
    }
    const checked = toStoredProfile(data);
    if ('problem' in checked) {
      throw new ProfileFileError(
        'profile-tampered',
        file,
        `${checked.problem}, which dynauth never writes: it was edited or damaged, and is not used.`,
        rebuildHint(name),
      );
    }
    if (checked.profile.name !== name)
      throw new ProfileFileError(
        'profile-tampered',
        file,
        `holds profile "${checked.profile.name}", not "${name}".`,
        'Rename the file to match its "name".',
      );
    return checked.profile;
  }

  async write(profile: Profile): Promise<void> {
    const file = this.fileFor(profile.name);
    const checked = toStoredProfile(profile);
    if ('problem' in checked) throw new TypeError(`Refusing to write profile "${profile.name}": ${checked.problem}.`);
    await writePrivateFileAtomic(file, `${JSON.stringify(checked.profile, null, 2)}\n`);
  }

  /** Names of the stored profiles, sorted. */
  async list(): Promise<string[]> {
    await assertPrivateDir(this.directory);
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return entries
      .filter((entry) => entry.endsWith(EXTENSION))
      .map((entry) => entry.slice(0, -EXTENSION.length))
      .filter(isValidName)
      .sort();
  }

  /**
   * A small JSON record a run keeps beside a profile ("<name>.<kind>") until the profile is written,
   * e.g. what an interrupted init made. Every profile named gets the same record.
   */
  async writeRecord(names: string[], kind: string, data: object): Promise<void> {
    for (const name of names) await writePrivateFileAtomic(this.recordFile(name, kind), `${JSON.stringify(data)}\n`);
  }

  /** The record, or undefined when there is none or it cannot be read (a FIFO put there is not waited on). */
  async readRecord(name: string, kind: string): Promise<Record<string, unknown> | undefined> {
    try {
      const data: unknown = JSON.parse((await readRegularFile(this.recordFile(name, kind), MAX_RECORD_BYTES)).toString('utf8'));
      return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  async deleteRecords(names: string[], kind: string): Promise<void> {
    for (const name of names) {
      await unlink(this.recordFile(name, kind)).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
  }

  private recordFile(name: string, kind: string): string {
    return join(this.directory, `${validateProfileName(name)}.${kind}`);
  }

  async delete(name: string): Promise<boolean> {
    try {
      await unlink(this.fileFor(name));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function rebuildHint(name: string): string {
  return `If you did not edit it yourself, treat it as tampered with: delete it and run dynauth init --profile ${name} again.`;
}

/**
 * The file's text, or undefined if there is none. Opened without blocking (a FIFO put in its place
 * must not hang the run), then refused unless it is a regular file of sane size that only its owner
 * (you, or root) could have written.
 */
async function readTrusted(file: string, name: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ProfileFileError(
      'profile-unreadable',
      file,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      'Check its permissions.',
      error,
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new ProfileFileError(
        'profile-unreadable',
        file,
        'is not a regular file, so it is not read.',
        `Remove it and run dynauth init --profile ${name} again.`,
      );
    const untrusted = untrustedBecause(info);
    if (untrusted) {
      throw new ProfileFileError(
        'unsafe-location',
        file,
        `${untrusted}, so another user could have written what it says; it is not used.`,
        `If it is yours alone, run chmod 600 ${file}; otherwise delete it. ${rebuildHint(name)}`,
      );
    }
    if (info.size > MAX_PROFILE_BYTES)
      throw new ProfileFileError(
        'profile-tampered',
        file,
        `is ${info.size} bytes, far larger than any profile; it is not read.`,
        rebuildHint(name),
      );
    const buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      ({ bytesRead: read } = await handle.read(buffer, length, buffer.length - length, length));
    }
    if (length > info.size) throw new ProfileFileError('profile-unreadable', file, 'changed while it was read.', 'Run the command again.');
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

function isValidName(name: string): boolean {
  try {
    validateProfileName(name);
    return true;
  } catch {
    return false;
  }
}
