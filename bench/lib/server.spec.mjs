import { readFileSync } from 'node:fs';
import { OUR_ENTRY, productionNodeFlags } from './server.mjs';

describe('productionNodeFlags', () => {
  it("reads the node flags of the project's own start:prod, so the bench runs what operators run", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(productionNodeFlags(pkg)).toEqual(['--max-semi-space-size=16']);
  });

  it('takes every word between node and the entry point', () => {
    expect(productionNodeFlags({ scripts: { 'start:prod': `node --a=1 --b ${OUR_ENTRY}` } })).toEqual(['--a=1', '--b']);
    expect(productionNodeFlags({ scripts: { 'start:prod': `node ${OUR_ENTRY}` } })).toEqual([]);
  });

  it('refuses a start:prod of another shape rather than guessing', () => {
    expect(() => productionNodeFlags({ scripts: { 'start:prod': `npm run build && node ${OUR_ENTRY}` } })).toThrow(
      /start:prod/,
    );
    expect(() => productionNodeFlags({ scripts: {} })).toThrow(/start:prod/);
  });
});
