export * from '../../../bearer/src/testing/jwks-test-server.js';
