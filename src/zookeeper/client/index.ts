// Our own ZooKeeper client (node:net / node:tls): ZkClient, the promise API over ClientConnection
// (the Java client's ClientCnxn). The library's Session (../session.ts) runs on it.
export * from './chroot.js';
export * from './host-provider.js';
export * from './transport.js';
export * from './watch-registry.js';
export * from './client-connection.js';
export { UnimplementedError } from '../../errors.js';
export * from './zk-client.js';
