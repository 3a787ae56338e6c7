export * from './client-assertion.js';
export * from './remote-jwks.js';
