export * from '../../../bearer/src/testing/test-tokens.js';
