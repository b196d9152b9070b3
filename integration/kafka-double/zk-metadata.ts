// Moved to the testing kit (src/testing/kafka-double/zk-metadata.ts): registerTemporaryBroker serves its endpoint with it.
export * from '../../src/testing/kafka-double/zk-metadata.js';
