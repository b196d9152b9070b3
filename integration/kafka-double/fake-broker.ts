// Moved to the testing kit (src/testing/kafka-double/fake-broker.ts): registerTemporaryBroker serves its endpoint with it.
export * from '../../src/testing/kafka-double/fake-broker.js';
