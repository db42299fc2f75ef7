/** The fast-check seed and run count for this folder's properties: FC_SEED / FC_NUM_RUNS, else fixed. */
export const FC_SEED = Number(process.env.FC_SEED ?? 42);
export const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100);
export const fcParams = { seed: FC_SEED, numRuns: FC_NUM_RUNS };
