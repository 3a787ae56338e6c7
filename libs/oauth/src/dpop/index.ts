export * from './dpop-proof.js';
export * from './dpop-nonces.js';
