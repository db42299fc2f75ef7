/**
 * A confirmation in the crash file (interface page: `confirmations`, optional, a list). The file is
 * rewritten atomically (temp file in the same folder, fsync, rename) and keeps every field it had,
 * including ones this version does not know, so older readers still read it and nothing found is
 * lost. Readers of crash files ignore fields they do not know.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeFileAtomically } from '../atomic-file.ts';

export interface Confirmation {
  backend: 'real';
  server: { binary: string; version: string };
  tries: number;
  hits: number;
  /** The steering and jitter of the first try that hit (of the first try when none did). */
  perturbation: string;
  /** Folder of node logs kept for the first hit, or null. */
  logs: string | null;
  at: string;
  /** Wall milliseconds of each try (not in the interface page's example; readers ignore it). */
  try_ms?: number[];
}

/** Appends `confirmation` to the crash file's `confirmations`, rewriting the file atomically. */
export async function recordConfirmation(path: string, confirmation: Confirmation): Promise<void> {
  const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const earlier = Array.isArray(doc.confirmations) ? doc.confirmations : [];
  doc.confirmations = [...earlier, confirmation];
  await writeFileAtomically(dirname(path), basename(path), `${JSON.stringify(doc, null, 2)}\n`);
}

/** The confirmations a crash file records (empty when none, or when it cannot be read). */
export async function readConfirmations(path: string): Promise<Confirmation[]> {
  try {
    return confirmationsOf(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/** The well-formed entries of a crash document's `confirmations`. */
export function confirmationsOf(doc: Record<string, unknown>): Confirmation[] {
  return Array.isArray(doc.confirmations) ? doc.confirmations.filter(isConfirmation) : [];
}

function isConfirmation(value: unknown): value is Confirmation {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.tries === 'number' &&
    typeof entry.hits === 'number' &&
    typeof entry.server === 'object' &&
    entry.server !== null
  );
}

/** `CONFIRMED on valkey-server 8.0.1, 3/10` (or NOT CONFIRMED), for reproduce and summaries. */
export function confirmationLine(confirmation: Confirmation): string {
  const server = `${basename(confirmation.server.binary)} ${confirmation.server.version}`;
  return `${confirmation.hits > 0 ? 'CONFIRMED' : 'NOT CONFIRMED'} on ${server}, ${confirmation.hits}/${confirmation.tries}`;
}
