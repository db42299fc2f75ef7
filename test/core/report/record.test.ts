/**
 * The run record (core/report/record.ts) and the campaign reader (core/report/campaign.ts): what
 * the pages are drawn from, tested without a browser.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { campaignFromStats, readCampaign } from '../../../core/report/campaign.ts';
import {
  BELIEF_PFAIL,
  BELIEF_PRIMARY,
  MARK_STALE,
  MESSAGE_KEEP,
  RecordBuilder,
  type RunMeta,
} from '../../../core/report/record.ts';

const META: RunMeta = {
  scenarioId: 't',
  backend: 'sim',
  server: null,
  seed: 1,
  verdict: 'pass',
  steps: 10,
  endMs: 10_000,
  violation: null,
  replay: null,
  confirmation: null,
  nodeTimeoutMs: 1000,
  nodeStatus: [],
  traceHash: '0'.repeat(64),
};

describe('RecordBuilder', () => {
  it('finds the acked writes the final read-back lost, by seq and by history', () => {
    const builder = new RecordBuilder();
    for (let seq = 1; seq <= 5; seq++)
      builder.event({
        kind: 'write-acked',
        atMs: seq * 100,
        key: 'k1',
        seq,
        node: 'node-0',
        holders: ['node-0'],
        copies: 1,
      });
    for (let seq = 1; seq <= 3; seq++)
      builder.event({
        kind: 'write-acked',
        atMs: seq * 100,
        key: 'k2',
        seq,
        node: 'node-1',
        holders: ['node-1'],
        copies: 1,
      });
    builder.event({ kind: 'read-back', atMs: 9000, key: 'k1', seq: 3, node: 'node-0' });
    // k2's value descends from 3 and 1, not 2: seq 2 was overwritten by a branch that lost it.
    builder.event({ kind: 'read-back', atMs: 9000, key: 'k2', seq: 3, node: 'node-1', history: [3, 1, 0] });
    const doc = builder.finish(META);
    expect(doc.lostWrites).toEqual([
      [400, 'node-0', 'k1', 4],
      [500, 'node-0', 'k1', 5],
      [200, 'node-1', 'k2', 2],
    ]);
    expect(doc.events.map((e) => e.kind)).toEqual(['read-back', 'read-back']);
  });

  it('keeps beliefs as changes only, and fault targets from the event its plan phase caused', () => {
    const builder = new RecordBuilder();
    const a = builder.node('node-0');
    const b = builder.node('node-1');
    builder.belief(10, a, b, BELIEF_PRIMARY);
    builder.belief(20, a, b, BELIEF_PRIMARY);
    builder.belief(30, a, b, BELIEF_PRIMARY | BELIEF_PFAIL);
    builder.plan(100, 0, 0, 'pause');
    builder.event({ kind: 'fault', atMs: 103, action: 'pause', nodes: ['node-1'], detail: '' });
    builder.plan(900, 0, 1, 'pause');
    builder.event({ kind: 'fault', atMs: 900, action: 'resume', nodes: ['node-1'], detail: 'end of pause' });
    const doc = builder.finish(META);
    expect(doc.beliefs).toEqual([10, a, b, BELIEF_PRIMARY, 30, a, b, BELIEF_PRIMARY | BELIEF_PFAIL]);
    expect(doc.faults).toEqual([
      [100, 900, 'pause', ['node-1'], ''],
      [900, -1, 'resume', ['node-1'], 'end of pause'],
    ]);
  });

  it('keeps MESSAGE_KEEP messages around the focus, stale ones from anywhere, and counts all of them', () => {
    const builder = new RecordBuilder();
    const ping = builder.messageType('ping');
    const total = MESSAGE_KEEP * 3;
    for (let i = 0; i < total; i++) builder.message(i, i + 0.5, 0, 1, ping, i === 7 ? MARK_STALE : 0, 3);
    const doc = builder.finish({ ...META, endMs: total });
    // No violation: the focus is the end of the run, so the newest messages are kept, plus the stale one.
    expect(doc.messages.sent.length).toBe(MESSAGE_KEEP + 1);
    expect(doc.messages.sent[0]).toBe(7);
    expect(doc.messages.sent.at(-1)).toBe(total - 1);
    expect(doc.histogram.counts[ping]!.reduce((sum, count) => sum + count, 0)).toBe(total);
    expect(doc.histogram.counts[ping]!.length).toBeLessThanOrEqual(602);
  });
});

describe('the campaign reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'busfuzz-campaign-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a busfuzz-stats/1 file and ignores fields it does not know', async () => {
    writeFileSync(
      join(dir, 'fuzzer_stats.json'),
      JSON.stringify({
        format: 'busfuzz-stats/1',
        runs: 3,
        steps: 30,
        wall_ms: 1000,
        future_field: { x: 1 },
        state: 'done',
        findings: [
          {
            fingerprint: 'a/b',
            status: 'confirmed',
            count: 2,
            first_seed: 4,
            first_found_ms: 10,
            seeds: [4, 9],
            crash_file: 'crash-x-4.json',
            known_reason: null,
            upstream: null,
          },
        ],
        series: [{ t_ms: 500, runs: 1, steps: 10, findings: 1, new: 1 }],
      }),
    );
    const campaign = await readCampaign(dir);
    expect(campaign.source).toBe('stats');
    expect(campaign.findings[0]).toMatchObject({
      fingerprint: 'a/b',
      status: 'confirmed',
      count: 2,
      firstSeed: 4,
      crashFile: 'crash-x-4.json',
    });
    expect(campaign.series).toEqual([{ t_ms: 500, runs: 1, steps: 10, findings: 1, new: 1 }]);
  });

  it('names the file and the field of a bad stats file', () => {
    const bad = {
      format: 'busfuzz-stats/1',
      runs: 3,
      steps: 30,
      wall_ms: 1,
      findings: [{ fingerprint: 'a/b', status: 'maybe', count: 1, first_seed: 1 }],
    };
    expect(() => campaignFromStats(bad, 'x/fuzzer_stats.json', 'x')).toThrow(InputError);
    expect(() => campaignFromStats(bad, 'x/fuzzer_stats.json', 'x')).toThrow(
      'x/fuzzer_stats.json: field findings[0].status: expected new, known or confirmed, found "maybe"',
    );
    expect(() => campaignFromStats({ format: 'other' }, 'f.json', '.')).toThrow('f.json: field format');
  });
});
