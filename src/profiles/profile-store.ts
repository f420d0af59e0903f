// One JSON file per profile, owner-only, replaced atomically.
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, writePrivateFileAtomic } from '../secrets/private-files.ts';
import { ProfileFileError } from './errors.ts';
import { resolveProfilesDir, type ConfigLocationInput } from './paths.ts';
import { toStoredProfile, type Profile } from './profile.ts';
import { validateProfileName } from './profile-name.ts';

const EXTENSION = '.json';

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
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new ProfileFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check its permissions.', error);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ProfileFileError(file, 'is not valid JSON.', `Fix or delete the file, then run setup for "${name}" again.`, error);
    }
    const checked = toStoredProfile(data);
    if ('problem' in checked) throw new ProfileFileError(file, `${checked.problem}.`, `Fix or delete the file, then run setup for "${name}" again.`);
    if (checked.profile.name !== name) throw new ProfileFileError(file, `holds profile "${checked.profile.name}", not "${name}".`, 'Rename the file to match its "name".');
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

function isValidName(name: string): boolean {
  try {
    validateProfileName(name);
    return true;
  } catch {
    return false;
  }
}
