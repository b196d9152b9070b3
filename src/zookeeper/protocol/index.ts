// The ZooKeeper wire protocol: jute records, framing and one module per message. Internal to the
// library (the package's index does not export it): the client built on it is the public API.
export * from './protocol-error.js';
export * from './jute.js';
export * from './frames.js';
export * from './opcodes.js';
export * from './records.js';
export * from './messages/connect.js';
export * from './messages/create.js';
export * from './messages/delete.js';
export * from './messages/exists.js';
export * from './messages/get-data.js';
export * from './messages/set-data.js';
export * from './messages/get-acl.js';
export * from './messages/set-acl.js';
export * from './messages/get-children.js';
export * from './messages/get-children2.js';
export * from './messages/sync.js';
export * from './messages/multi.js';
export * from './messages/ping.js';
export * from './messages/close-session.js';
export * from './messages/set-watches.js';
export * from './messages/auth.js';
export * from './messages/add-watch.js';
export * from './messages/remove-watches.js';
export * from './messages/get-ephemerals.js';
export * from './messages/who-am-i.js';
