/**
 * Finding the server binary the real backend runs, and its version: `--valkey-server PATH`, then
 * `VALKEY_SERVER`, then `valkey-server` on PATH, then `redis-server` (7.0 speaks the same bus).
 * The version goes into results and crash files. A missing or too old binary is an environment
 * error (exit 3) with a hint saying what to install.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { EnvironmentError, type ServerInfo } from '../core/backend.ts';

export type ServerFlavor = 'valkey' | 'redis';

export interface FoundServer extends ServerInfo {
  flavor: ServerFlavor;
  /** Major and minor version as numbers, for feature checks (7.0 lacks cluster-ping-interval). */
  major: number;
  minor: number;
}

export const INSTALL_HINT =
  'install valkey-server 8.0 (as root: bash scripts/install-valkey.sh, or ' +
  'apt-get install -t bookworm-backports valkey-server), or point --valkey-server / VALKEY_SERVER at a binary';

/** Oldest server the backend supports: 7.0 introduced bind-source-addr and cluster-port. */
const MINIMUM_MAJOR = 7;

export function findServer(options: { valkeyServer?: string; env?: NodeJS.ProcessEnv } = {}): FoundServer {
  const env = options.env ?? process.env;
  const explicit = options.valkeyServer ?? (env.VALKEY_SERVER || undefined);
  if (explicit !== undefined) {
    const binary = explicit.includes('/') ? resolve(explicit) : searchPath(explicit, env.PATH);
    if (binary === null || !isExecutable(binary)) {
      throw new EnvironmentError(`server binary '${explicit}' not found or not executable`, INSTALL_HINT);
    }
    return describeServer(binary);
  }
  for (const name of ['valkey-server', 'redis-server']) {
    const binary = searchPath(name, env.PATH);
    if (binary !== null) return describeServer(binary);
  }
  throw new EnvironmentError('no valkey-server (or redis-server 7.0+) found on PATH', INSTALL_HINT);
}

/** Runs `<binary> --version` and parses "Valkey server v=8.0.1 ..." or "Redis server v=7.0.15 ...". */
export function describeServer(binary: string): FoundServer {
  let output: string;
  try {
    output = execFileSync(binary, ['--version'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new EnvironmentError(
      `'${binary} --version' failed: ${(error as Error).message.split('\n')[0]}`,
      INSTALL_HINT,
    );
  }
  const version = parseServerVersion(output);
  if (version === null) {
    throw new EnvironmentError(
      `'${binary}' does not look like valkey-server or redis-server ('--version' says: ${output.trim().split('\n')[0]})`,
      INSTALL_HINT,
    );
  }
  if (version.major < MINIMUM_MAJOR) {
    throw new EnvironmentError(
      `'${binary}' is ${version.flavor} ${version.version}; busfuzz needs 7.0 or newer`,
      INSTALL_HINT,
    );
  }
  return { binary, ...version };
}

export function parseServerVersion(output: string): Omit<FoundServer, 'binary'> | null {
  const match = /^(Valkey|Redis) server v=(\d+)\.(\d+)\.(\d+)/m.exec(output);
  if (!match) return null;
  return {
    flavor: match[1] === 'Valkey' ? 'valkey' : 'redis',
    version: `${match[2]}.${match[3]}.${match[4]}`,
    major: Number(match[2]),
    minor: Number(match[3]),
  };
}

function searchPath(name: string, pathVariable: string | undefined): string | null {
  for (const folder of (pathVariable ?? '').split(delimiter)) {
    if (folder === '' || !isAbsolute(folder)) continue;
    const candidate = join(folder, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
