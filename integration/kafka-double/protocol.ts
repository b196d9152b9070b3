// Moved to the testing kit (src/testing/kafka-double/protocol.ts): registerTemporaryBroker serves its endpoint with it.
export * from '../../src/testing/kafka-double/protocol.js';
