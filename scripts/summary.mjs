// Prints the closing line CI reads, `N passed, N failed`, from vitest's JSON report (a failed
// typecheck counts as one failure, and so does a failed Biome check). Exits 1 if anything failed
// or no test ran at all.
import { readFileSync } from 'node:fs';

const [reportPath, typecheckFailed, biomeFailed] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  console.log(`busfuzz: no vitest report (${error.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that failed to load has no test results of its own: count it as one failure.
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
);
for (const file of brokenFiles)
  console.log(`busfuzz: test file failed to load: ${file.name}: ${(file.message ?? '').split('\n')[0]}`);
if (biomeFailed === '1') console.log('busfuzz: the Biome check failed (npx biome check .)');
const failed =
  (report.numFailedTests ?? 0) + (typecheckFailed === '1' ? 1 : 0) + (biomeFailed === '1' ? 1 : 0) + brokenFiles.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
