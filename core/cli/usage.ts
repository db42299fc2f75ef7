/** The `busfuzz --help` text. Keep it in step with the README and the interface page. */
export const USAGE = `busfuzz: a fuzzer for the Valkey cluster bus (simulator and real valkey-server)

Usage:
  busfuzz run <scenario.yaml> [--backend sim|real] [--seed N] [--max-steps N] [--json] [--report DIR]
  busfuzz fuzz [--backend sim|real] [--seed N] [--runs N | --forever] [--max-steps N]
               [--workers N] [--time-limit SECONDS] [--crash-dir DIR] [--known FILE | --no-known] [--report DIR]
               [--shard I/N]   (or JOB_COMPLETION_INDEX and JOB_COMPLETION_COUNT)  [--confirm [--tries N]]
               [--guided [--corpus DIR]]
  busfuzz reproduce <crash.json> [--backend sim|real] [--trace] [--json] [--report DIR]
  busfuzz shrink <crash.json> [-o OUT]
  busfuzz validate <file.yaml>...
  busfuzz export --seed N
  busfuzz bench [--json]
  busfuzz confirm <crash.json>... [--tries N] [--all] [--json] [--report DIR]
  busfuzz report <crash.json | run.json | campaign-dir> [-o DIR]
  busfuzz merge <dir>... -o DIR
  busfuzz corpus <dir> [--json]
  busfuzz fleet k8s --shards N --image IMAGE [--time-limit S] [--backend sim|real]
  busfuzz <command> --help   that command's options and an example

Options:
  --report DIR           write an HTML page (index.html, self-contained) of the run, or for
                         fuzz of the campaign, into DIR; run and reproduce keep DIR/run.json,
                         the run's event record
  --valkey-server PATH   the server binary for --backend real (else VALKEY_SERVER,
                         valkey-server on PATH, then redis-server)
  --protocol P           run, reproduce, fuzz, confirm: valkey-8.0 (default), valkey-8.1 or
                         redis-7.0 rules ("is it fixed in 8.1?"; the simulator refuses redis-7.0)

Environment (a flag wins over its variable):
  FUZZ_MODE=fuzz|reproduce  FUZZ_FILE  MAX_STEPS  FUZZ_SEED  FUZZ_RUNS  FUZZ_BACKEND
  FUZZ_WORKERS  FUZZ_TIME_LIMIT  CRASH_DIR  FUZZ_KNOWN  VALKEY_SERVER  LOG_LEVEL
  'npm run fuzz' runs busfuzz in this environment form (FUZZ_MODE defaults to fuzz).

confirm replays simulator findings on live valkey-server, steered to the simulator's message
  order, until one hits the same invariant (--tries N, default 10; --all runs every try) and
  records the result in each crash file; exit 1 when a finding was confirmed, 0 when none was.

Exit codes: 0 all good; 1 an invariant was violated (reproduce: the crash reproduced);
  2 bad input (usage, scenario, crash file); 3 the environment failed (no valkey-server,
  no free port, a node that would not start); 4 a bug in busfuzz; 5 (run, reproduce) the
  run was inconclusive: MAX_STEPS ended it before the cluster formed or the checks answered.
`;

/** `busfuzz <command> --help`: what the command does, its options, and an example to copy. */
export const COMMAND_HELP: Record<string, string> = {
  run: `busfuzz run <scenario.yaml> [--backend sim|real] [--seed N] [--max-steps N] [--crash-dir DIR] [--json] [--report DIR]

Runs one scenario once. A violation writes a crash file (crashes/ or CRASH_DIR) and exits 1;
a pass exits 0 and says what happened; a run that MAX_STEPS cut short is inconclusive (exit 5).

  --backend sim|real     the simulator (default) or live valkey-server processes
  --seed N               override the scenario's seed
  --max-steps N          step bound (default 1000000)
  --crash-dir DIR        where a crash file goes (default crashes/, or CRASH_DIR)
  --json                 one JSON object on stdout (verdict, steps, violation, crash_file, ...)
  --known FILE | --no-known  the known-issues list (default known-issues.yaml): a known finding
                         prints KNOWN <fingerprint>: <upstream>, exits 0 and writes no crash file
  --report DIR           write DIR/index.html, the run's timeline, and its event record
  --protocol P           valkey-8.0 (default: the scenario's), valkey-8.1 or redis-7.0: whose
                         cluster-bus rules the simulator runs (it refuses redis-7.0), and the
                         version the real backend's binary must have

Example:
  busfuzz run scenarios/kill-primary.yaml --seed 7
  (a crash file is replayed with 'busfuzz reproduce', not 'run')
`,
  fuzz: `busfuzz fuzz [--backend sim|real] [--seed N] [--runs N | --forever] [--max-steps N]
             [--workers N] [--time-limit SECONDS] [--crash-dir DIR] [--known FILE | --no-known]
             [--report DIR] [--json]

Generates a scenario per seed (N, N+1, ...), runs it, and writes a crash file per new finding.
Exit 1 if something new was found, 0 if not. --runs and --forever exclude each other (a flag wins
over FUZZ_RUNS / FUZZ_FOREVER; both variables at once are refused). Inconclusive runs (cut short
by --max-steps) are counted apart.

  --runs N               seeds to run (default 100)      --forever   until Ctrl-C or --time-limit
  --workers N            worker threads (default: the core count; more only share the cores)
  --time-limit SECONDS   stop after this long             --seed N    first seed (default 1)
  --crash-dir DIR        crash files (default crashes/)
  --known FILE           the known-issues list (default: known-issues.yaml at the repository root);
                         a known finding prints KNOWN <fingerprint>: <upstream>, counts, exits 0
  --no-known             no known-issues list: every finding is NEW
  --report DIR           the campaign page at the end (plots, fingerprints, a page per finding)
  --protocol P           generate scenarios under valkey-8.0 (default) or valkey-8.1's rules; the
                         known-issues list then applies the entries of that profile only
  --guided               guided fuzzing: keep a corpus of scenarios whose runs reached new
                         features (protocol states, message orders across faults) and run
                         mutants of them (1 in 8 stays a fresh swarm seed); same seed and
                         --runs, same findings, whatever --workers. Crash files hold the
                         mutant, so they replay without the corpus
  --corpus DIR           with --guided: the corpus folder (default <crash dir>/corpus; entries an
                         earlier campaign left there are removed); list it with busfuzz corpus

Every run's distinct features are counted (fuzzer_stats.json: features, series[].features).

Example:
  busfuzz fuzz --runs 40 --workers 2
  busfuzz fuzz --guided --time-limit 600 --workers 2 --crash-dir crashes/guided
`,
  reproduce: `busfuzz reproduce <crash.json> [--backend sim|real] [--max-steps N] [--trace] [--json] [--report DIR]
                  [--protocol P]

Replays a crash file. On the simulator it must hit the same invariant at the same step with the
same trace hash; on the real backend, the same invariant. Exit 1 when it reproduced, 0 when not,
5 when the step bound ended the replay first.

  --trace                print the events and each node's status before the violation
  --report DIR           write DIR/index.html, the replay's timeline
  --protocol P           replay under another protocol's rules ("is it fixed in 8.1?": then the
                         same invariant counts, as step and trace differ by design)
A known finding (known-issues.yaml) still exits 1 when it reproduces, and says why it is known.

Example:
  busfuzz reproduce crashes/crash-08d4abf33d70-1.min.json --trace
`,
  shrink: `busfuzz shrink <crash.json> [-o OUT] [--time-limit SECONDS] [--json]

Minimises a crash: fewer nodes, steps and faults, the same fingerprint.

Example:
  busfuzz shrink crashes/crash-08d4abf33d70-1.min.json -o /tmp/smaller.json
`,
  validate: `busfuzz validate <file.yaml>...

Checks scenario files without running them; each problem names the file, line and field (exit 2).

Example:
  busfuzz validate scenarios/*.yaml
`,
  export: `busfuzz export --seed N

Prints the scenario the generator makes for seed N as YAML, to edit and run again.

Example:
  busfuzz export --seed 17 > seed-17.yaml && busfuzz run seed-17.yaml
`,
  report: `busfuzz report <crash.json | run.json | campaign-dir> [-o DIR]

Writes one self-contained HTML page (DIR/index.html, default report/): a run's timeline (one lane
per node, faults, elections, writes, the violation; a message diagram) from a crash file or a run's
event record, or a campaign's dashboard from a fuzz crash folder.

Example:
  busfuzz report crashes/crash-64d78a889a5b-5157.min.json -o report/
`,
  confirm: `busfuzz confirm <crash.json>... [--tries N] [--all] [--json] [--report DIR] [--valkey-server PATH]
                 [--protocol P]

Replays simulator findings on live valkey-server processes, steered to the simulator's message
order (holds and gates derived from its trace) with jittered step times, until a try breaks the
same invariant or the tries run out (default 10); --all runs every try and reports the rate. The
result is recorded in the crash file (confirmations); --report DIR draws the first hit's live run
as a page (DIR/<crash file>/index.html). Exit 1 when a finding is confirmed, 0 when
not, 2 for a bad crash file, 3 when no server can be found or started.
--protocol valkey-8.1 tries the finding on an 8.1 binary (--valkey-server PATH or VALKEY_SERVER;
scripts/install-valkey-8.1.sh builds 8.1.1): the binary's version must match the protocol.

Example:
  busfuzz confirm crashes/crash-08d4abf33d70-1.min.json --tries 5
`,
  corpus: `busfuzz corpus <dir> [--json]

Lists a guided campaign's corpus (fuzz --guided; the folder is <crash dir>/corpus unless --corpus
named another): one line per entry with its id, the campaign seed whose run added it, the entry
it was mutated from (- for a fresh swarm seed), how many features it added and reached, its
cluster shape, its timeline's length and its mutations. Exit 0; a bad entry file is exit 2.

  --json                 the entries (without their scenarios) as one JSON line on stdout

Example:
  busfuzz corpus crashes/guided/corpus
  (after busfuzz fuzz --guided --runs 400 --crash-dir crashes/guided)
`,
  merge: `busfuzz merge <dir>... -o DIR

Merges the folders of fuzz shards (fuzz --shard I/N, or a Kubernetes Indexed Job's pods) into one
campaign folder: findings united by fingerprint (the first seed's crash file kept, counts summed,
every seed listed), stats summed, a summary.txt; shards that stopped early or are missing are named.

Example:
  busfuzz merge crashes/shard-0-of-2 crashes/shard-1-of-2 -o campaign/
`,
  fleet: `busfuzz fleet k8s --shards N --image IMAGE [--time-limit S] [--backend sim|real]
                  [--runs N] [--seed N] [--max-steps N] [--workers N]

Prints Kubernetes manifests for a fuzz fleet: a volume for findings, an Indexed Job whose pods each
fuzz one slice of the seeds (JOB_COMPLETION_INDEX), and a merge Job. See the README, "Run a fleet
on Kubernetes".

Example:
  busfuzz fleet k8s --shards 10 --image busfuzz:dev --time-limit 3600 | kubectl apply -f -
`,
  bench: `busfuzz bench [--max-steps N] [--json]

The simulator throughput benchmark: a fixed seeded workload and a bare-scheduler baseline.

Example:
  busfuzz bench --json
`,
};
