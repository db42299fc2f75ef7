/**
 * How big and how fast a run's HTML page is (issue "See a run": a 10M-step run's page stays under
 * 5 MB and opens in under 2 s). Runs a long chaos scenario on the simulator with the event record
 * on, writes its page, opens it in headless chromium and reads the page's own ready time
 * (window.busfuzzReadyMs, from navigation start to the first drawn timeline).
 *
 *   npx tsx bench/report-page.ts [--steps 10000000] [--trials 3]
 *
 * A benchmark, not a test: timings depend on the machine's load; run it on a quiet machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import { loadScenarioFile } from '../core/dsl/index.ts';
import { writeRunReport } from '../core/report/run-report.ts';
import { createSimBackend } from '../sim/index.ts';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '10000000' }, trials: { type: 'string', default: '3' } },
});
const steps = Number(values.steps);
const trials = Number(values.trials);
const scenario = loadScenarioFile(new URL('../scenarios/full-example.yaml', import.meta.url).pathname);
const long = {
  ...scenario,
  scenarioId: 'long-chaos',
  chaos: { ...scenario.chaos!, rate: 6, untilMs: 100_000_000, maxConcurrent: 2 },
};
const started = performance.now();
const result = await createSimBackend().run(long, { maxSteps: steps, record: true });
const runMs = performance.now() - started;
const dir = mkdtempSync(join(tmpdir(), 'busfuzz-report-bench-'));
const written = await writeRunReport(dir, { scenario: long, result });
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const readyMs: number[] = [];
try {
  for (let trial = 0; trial < trials; trial++) {
    const page = await browser.newPage();
    await page.goto(`file://${written.page}`);
    await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    readyMs.push(Number(await page.evaluate('window.busfuzzReadyMs')));
    await page.close();
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify({
    steps: result.steps,
    sim_time_ms: result.simTimeMs,
    messages: result.messages,
    run_ms: Math.round(runMs),
    page_bytes: written.bytes,
    ready_ms: readyMs.map((ms) => Math.round(ms)),
  }),
);
