// Moved to the testing kit (src/testing/pki.ts): one implementation for the kit and the suite.
export * from '../../src/testing/pki.js';
