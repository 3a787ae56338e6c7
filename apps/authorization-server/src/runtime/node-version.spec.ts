import { nodeMajor, SUPPORTED_NODE_MAJOR, warnOnUnsupportedNode } from './node-version.js';

describe('Node.js version check', () => {
  it('reads the major version', () => {
    expect(nodeMajor('v24.21.0')).toBe(24);
    expect(nodeMajor('v20.20.2')).toBe(20);
    expect(nodeMajor('garbage')).toBe(0);
  });

  it('warns on a Node.js older than the supported line, naming both', () => {
    const lines: string[] = [];
    expect(warnOnUnsupportedNode('v20.20.2', (l) => lines.push(l))).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('v20.20.2');
    expect(lines[0]).toContain(`Node.js ${SUPPORTED_NODE_MAJOR}`);
  });

  it('is quiet on the supported line and later ones', () => {
    const lines: string[] = [];
    expect(warnOnUnsupportedNode('v24.0.0', (l) => lines.push(l))).toBe(false);
    expect(warnOnUnsupportedNode('v26.1.0', (l) => lines.push(l))).toBe(false);
    expect(lines).toEqual([]);
  });

  it('matches package.json engines', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${SUPPORTED_NODE_MAJOR}`);
  });

  it('is the Node.js the tests run on', () => {
    expect(nodeMajor(process.version)).toBeGreaterThanOrEqual(SUPPORTED_NODE_MAJOR);
  });
});
