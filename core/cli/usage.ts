/** The `busfuzz --help` text. Keep it in step with the README and the interface page. */
export const USAGE = `busfuzz: a fuzzer for the Valkey cluster bus (simulator and real valkey-server)

Usage:
  busfuzz run <scenario.yaml> [--backend sim|real] [--seed N] [--max-steps N] [--json]
  busfuzz fuzz [--backend sim|real] [--seed N] [--runs N | --forever] [--max-steps N]
               [--workers N] [--time-limit SECONDS] [--crash-dir DIR] [--known FILE]
               [--confirm [--tries N]]
  busfuzz reproduce <crash.json> [--backend sim|real] [--trace] [--json]
  busfuzz shrink <crash.json> [-o OUT]
  busfuzz validate <file.yaml>...
  busfuzz export --seed N
  busfuzz bench [--json]
  busfuzz confirm <crash.json>... [--tries N] [--all] [--json]

Options:
  --valkey-server PATH   the server binary for --backend real (else VALKEY_SERVER,
                         valkey-server on PATH, then redis-server)

Environment (a flag wins over its variable):
  FUZZ_MODE=fuzz|reproduce  FUZZ_FILE  MAX_STEPS  FUZZ_SEED  FUZZ_RUNS  FUZZ_BACKEND
  FUZZ_WORKERS  FUZZ_TIME_LIMIT  CRASH_DIR  FUZZ_KNOWN  VALKEY_SERVER  LOG_LEVEL
  'npm run fuzz' runs busfuzz in this environment form (FUZZ_MODE defaults to fuzz).

confirm replays simulator findings on live valkey-server, steered to the simulator's message
  order, until one hits the same invariant (--tries N, default 10; --all runs every try) and
  records the result in each crash file; exit 1 when a finding was confirmed, 0 when none was.

Exit codes: 0 all good; 1 an invariant was violated (reproduce: the crash reproduced);
  2 bad input (usage, scenario, crash file); 3 the environment failed (no valkey-server,
  no free port, a node that would not start); 4 a bug in busfuzz.
`;
