/** The oldest Node.js major line the server supports (package.json `engines`). */
export const SUPPORTED_NODE_MAJOR = 24;

/** The major version of a `process.version` string ("v24.21.0" -> 24). */
export function nodeMajor(version: string): number {
  return Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
}

/**
 * Says on stderr when the server runs on a Node.js older than the supported line (Node.js 20 is past
 * its end of life: no security fixes). A warning, not a refusal: `npm start` and the scripts run on
 * the Node.js 24 that `npm ci` installs, and the benchmark runs the same build on an older line on
 * purpose, to compare.
 */
export function warnOnUnsupportedNode(
  version: string = process.version,
  write: (line: string) => void = (line) => process.stderr.write(line),
): boolean {
  if (nodeMajor(version) >= SUPPORTED_NODE_MAJOR) return false;
  write(
    `warning: Node.js ${version} is not supported; run the server on Node.js ${SUPPORTED_NODE_MAJOR} or later ` +
      `(npm ci installs it at node_modules/.bin/node, and npm start uses it)\n`,
  );
  return true;
}
