/** Jest runs in native ESM mode: NestJS 12 packages are ES modules only. */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^#oauth$': '<rootDir>/libs/oauth/src/index.ts',
    '^#persistence$': '<rootDir>/libs/persistence/src/index.ts',
    '^#config$': '<rootDir>/libs/config/src/index.ts',
    '^#resource-guard$': '<rootDir>/libs/resource-guard/src/index.ts',
    '^#bearer$': '<rootDir>/libs/bearer/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
};

const projects = [
  {
    ...shared,
    displayName: 'unit',
    // bench/**/*.spec.mjs: the benchmark report's arithmetic (the bench itself is not run here).
    testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/bench/**/*.spec.mjs'],
  },
  { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
];

// JEST_PROJECT picks one project, so that `npm run test:e2e:sqlite -- test/some-file` filters by path
// (--selectProjects would swallow the path as another project name).
const only = process.env.JEST_PROJECT;

export default {
  // Per-test timeout; a project-level testTimeout is ignored.
  testTimeout: 30000,
  projects: only ? projects.filter((p) => p.displayName === only) : projects,
};
