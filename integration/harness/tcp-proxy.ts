// Moved to the testing kit (src/testing/tcp-proxy.ts): one implementation for the kit and the suite.
export * from '../../src/testing/tcp-proxy.js';
