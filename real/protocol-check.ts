/**
 * Whether the server binary is the release the scenario's protocol names: valkey-8.0 wants Valkey
 * 8.0.x, valkey-8.1 Valkey 8.1.x, redis-7.0 Redis 7.0.x. A run under a protocol other than the
 * default (valkey-8.1, redis-7.0: "is it fixed in 8.1?") on another binary would answer the question
 * for the wrong release, so it is refused (exit 3) with what to install; under the default the
 * run goes on (the install script's redis-server 7.0 fallback) and a warning says what runs.
 */
import { EnvironmentError } from '../core/backend.ts';
import type { Protocol } from '../core/scenario/types.ts';
import type { FoundServer } from './server-binary.ts';

const EXPECTED: Record<Protocol, { flavor: FoundServer['flavor']; major: number; minor: number; hint: string }> = {
  'valkey-8.0': {
    flavor: 'valkey',
    major: 8,
    minor: 0,
    hint: 'bash scripts/install-valkey.sh (Debian bookworm-backports valkey-server 8.0.1)',
  },
  'valkey-8.1': {
    flavor: 'valkey',
    major: 8,
    minor: 1,
    hint: "bash scripts/install-valkey-8.1.sh builds 8.1.1 from Debian trixie's source and prints its path; pass it as --valkey-server PATH or VALKEY_SERVER",
  },
  'redis-7.0': {
    flavor: 'redis',
    major: 7,
    minor: 0,
    hint: 'apt-get install redis-server (Debian bookworm has 7.0) and pass --valkey-server $(command -v redis-server)',
  },
};

/** Null when the binary matches the protocol, else what differs (one line). */
export function protocolMismatch(server: FoundServer, protocol: Protocol): string | null {
  const expected = EXPECTED[protocol];
  if (server.flavor === expected.flavor && server.major === expected.major && server.minor === expected.minor)
    return null;
  const name = expected.flavor === 'valkey' ? 'Valkey' : 'Redis';
  return `protocol ${protocol} expects ${name} ${expected.major}.${expected.minor}.x, but ${server.binary} is ${server.flavor === 'valkey' ? 'Valkey' : 'Redis'} ${server.version}`;
}

/** Throws for a mismatch under a non-default protocol; returns the warning for one under the default. */
export function checkProtocol(server: FoundServer, protocol: Protocol): string | null {
  const mismatch = protocolMismatch(server, protocol);
  if (mismatch === null) return null;
  if (protocol !== 'valkey-8.0') throw new EnvironmentError(mismatch, EXPECTED[protocol].hint);
  return `${mismatch}: running it anyway (the default protocol); its findings are that server's`;
}
