// Our own ZooKeeper client (node:net / node:tls), not yet used by the library: Session and
// Connection still run on the native binding until they are moved onto this.
export * from './chroot.js';
export * from './host-provider.js';
export * from './transport.js';
export * from './watch-registry.js';
export * from './client-connection.js';
export * from './unimplemented-error.js';
export * from './zk-client.js';
