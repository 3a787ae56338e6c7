import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past its live size before the next full collection, in
 * percent. V8's own default grows it up to four times the live size while collections are cheap, so
 * the process held several times the heap it keeps alive; at 50 % the old generation stays near 1.5
 * times the live size between full collections (decision 8 has the figures).
 */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = '--heap-growing-percent';

/**
 * Applies HEAP_GROWING_PERCENT to this process unless the operator started node with their own
 * `--heap-growing-percent` (V8 flags cannot go through NODE_OPTIONS). Answers the flag applied, or
 * null when the operator's own value stands.
 */
export function tuneHeap(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): string | null {
  // V8 reads `--heap_growing_percent` as the same flag.
  const given = (a: string) => `--${a.replace(/^--/, '').replace(/_/g, '-')}`;
  if (execArgv.some((a) => given(a) === FLAG || given(a).startsWith(`${FLAG}=`))) return null;
  const flag = `${FLAG}=${HEAP_GROWING_PERCENT}`;
  setFlags(flag);
  return flag;
}

/**
 * The young generation's cap: each of V8's two semi-spaces grows to at most this many MB. Node.js 20's
 * V8 stopped at 16 MB; Node.js 24's sizes them from the heap limit and, on a machine with several GB of
 * memory, lets them grow to 64 MB under sustained allocation, so the same build holds far more
 * short-lived garbage (decision 11 has the figures). V8 reads this flag only when the process starts,
 * so it is on the command line of every way the server is started (package.json `start` and `start:prod`, the Dockerfile, the
 * benchmark), and the server says at start when it is missing.
 */
export const MAX_SEMI_SPACE_MB = 16;

const SEMI_SPACE_FLAG = '--max-semi-space-size';

/** The node options that start the server: the ones package.json and the Dockerfile pass. */
export const SERVER_NODE_FLAGS: readonly string[] = [`${SEMI_SPACE_FLAG}=${MAX_SEMI_SPACE_MB}`];

/**
 * Says on stderr when node was started without a `--max-semi-space-size` (on its command line or in
 * NODE_OPTIONS), so that an operator who runs `node dist/...` directly learns why the process is larger
 * than it should be. Answers whether it warned.
 */
export function warnOnUncappedYoungGeneration(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
  write: (line: string) => void = (line) => process.stderr.write(line),
): boolean {
  const given = (a: string) => `--${a.replace(/^--/, '').replace(/_/g, '-')}`;
  const flags = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  if (flags.some((a) => given(a) === SEMI_SPACE_FLAG || given(a).startsWith(`${SEMI_SPACE_FLAG}=`))) return false;
  write(
    `warning: node was started without ${SEMI_SPACE_FLAG}; V8 then sizes the young generation from the ` +
      `heap limit (up to 128 MB), not to what the server needs. Start the server with \`node ${SERVER_NODE_FLAGS.join(' ')} dist/apps/authorization-server/src/main.js\` ` +
      `(npm start and the Docker image do)\n`,
  );
  return true;
}
