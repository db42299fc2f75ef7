/**
 * The guided corpus on disk: one JSON file per entry (`entry-000042.json`, format
 * `busfuzz-corpus/1`) in the corpus folder (`fuzz --guided --corpus DIR`, default `<crash dir>/corpus`),
 * written as entries join; `busfuzz corpus <dir>` lists them with what each added. The files
 * record the campaign; a campaign starts from an empty corpus (its seed alone decides what it runs),
 * so a new guided campaign in the same folder first removes the entry files it finds there.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../atomic-file.ts';
import { InputError } from '../../backend.ts';
import { scenarioFromDocument, scenarioToDocument } from '../../dsl/index.ts';
import type { Scenario } from '../../scenario/types.ts';
import type { CorpusEntry } from './corpus.ts';

export const CORPUS_FORMAT = 'busfuzz-corpus/1';
const ENTRY_NAME = /^entry-(\d{6,})\.json$/;

export interface CorpusFileEntry {
  format: typeof CORPUS_FORMAT;
  id: number;
  campaign_seed: number;
  parent: number | null;
  mutation: string;
  /** Features its run reached, and of those how many no earlier run had. */
  features: number;
  added: number;
  /** The scenario as the DSL writes it (replays with `busfuzz run`). */
  scenario: Record<string, unknown>;
}

export function entryFileName(id: number): string {
  return `entry-${String(id).padStart(6, '0')}.json`;
}

/** Makes the folder and removes entry files an earlier campaign left there; returns how many. */
export async function prepareCorpusDir(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (!ENTRY_NAME.test(name)) continue;
    await rm(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

export async function writeCorpusEntry(dir: string, entry: CorpusEntry): Promise<void> {
  const file: CorpusFileEntry = {
    format: CORPUS_FORMAT,
    id: entry.id,
    campaign_seed: entry.campaignSeed,
    parent: entry.parent,
    mutation: entry.mutation,
    features: entry.features.length,
    added: entry.added,
    scenario: scenarioToDocument(entry.scenario),
  };
  await writeFileAtomically(dir, entryFileName(entry.id), `${JSON.stringify(file, null, 2)}\n`);
}

export interface ListedEntry {
  file: string;
  entry: CorpusFileEntry;
  scenario: Scenario;
}

/** Reads every entry file of `dir`, by id. A bad file is an InputError naming it and the field. */
export async function readCorpusDir(dir: string): Promise<ListedEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new InputError(`${dir}: cannot read the corpus folder (${(error as NodeJS.ErrnoException).code})`);
  }
  const listed: ListedEntry[] = [];
  for (const name of names.filter((name) => ENTRY_NAME.test(name)).sort()) {
    const path = join(dir, name);
    let root: Record<string, unknown>;
    try {
      root = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new InputError(`${path}: (json): ${(error as Error).message}`);
    }
    if (root === null || typeof root !== 'object') throw new InputError(`${path}: (file): expected a JSON object`);
    if (root.format !== CORPUS_FORMAT)
      throw new InputError(`${path}: format: expected '${CORPUS_FORMAT}', found ${JSON.stringify(root.format)}`);
    for (const field of ['id', 'campaign_seed', 'features', 'added'])
      if (!Number.isSafeInteger(root[field])) throw new InputError(`${path}: ${field}: expected a whole number`);
    if (root.parent !== null && !Number.isSafeInteger(root.parent))
      throw new InputError(`${path}: parent: expected an entry id or null`);
    if (typeof root.mutation !== 'string') throw new InputError(`${path}: mutation: expected a string`);
    const scenario = scenarioFromDocument(root.scenario, path, 'scenario');
    listed.push({ file: path, entry: root as unknown as CorpusFileEntry, scenario });
  }
  return listed.sort((a, b) => a.entry.id - b.entry.id);
}

/** `busfuzz corpus <dir>`: a header and one line per entry. */
export function describeCorpus(dir: string, listed: readonly ListedEntry[]): string[] {
  const fresh = listed.filter((item) => item.entry.parent === null).length;
  const lines = [
    `corpus ${dir}: ${listed.length} entries (${fresh} fresh swarm seeds, ${listed.length - fresh} mutants)`,
    `${'id'.padStart(6)} ${'seed'.padStart(8)} ${'parent'.padStart(6)} ${'added'.padStart(6)} ${'features'.padStart(8)}  cluster   steps  mutation`,
  ];
  for (const { entry, scenario } of listed) {
    const shape = `${scenario.cluster.numShards}x${1 + scenario.cluster.replicasPerShard}`;
    lines.push(
      `${String(entry.id).padStart(6)} ${String(entry.campaign_seed).padStart(8)} ${(entry.parent === null ? '-' : String(entry.parent)).padStart(6)} ${`+${entry.added}`.padStart(6)} ${String(entry.features).padStart(8)}  ${shape.padEnd(8)} ${String(scenario.timeline.length).padStart(6)}  ${entry.mutation}`,
    );
  }
  return lines;
}
