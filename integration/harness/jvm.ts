// Moved to the testing kit (src/testing/jvm.ts): one implementation for the kit and the suite.
export * from '../../src/testing/jvm.js';
