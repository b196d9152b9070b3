// What a ZooKeeper-mode Kafka broker's own configuration says about the listeners its controller uses,
// read from a DescribeConfigs answer (kafkajs's for the registrar's pre-flight, ours for the audit).
// KafkaConfig.getInterBrokerListenerNameAndSecurityProtocol / getControlPlaneListenerNameAndSecurityProtocol.

/**
 * The listeners a broker's configuration gives Kafka's controller to use: `inter.broker.listener.name`
 * (or, unset, the listener named after `security.inter.broker.protocol`, as KafkaConfig derives it)
 * and `control.plane.listener.name` (undefined when unset).
 */
export interface ListenerRoles {
  /** The listener brokers talk to each other on (`inter.broker.listener.name`, or the listener of `security.inter.broker.protocol`). */
  readonly interBroker: string;
  /** The controller's own listener (`control.plane.listener.name`); undefined when the cluster has none. */
  readonly controlPlane: string | undefined;
}

/** The broker configs ListenerRoles is read from (a DescribeConfigs of the BROKER resource). */
export const LISTENER_ROLE_CONFIGS: readonly string[] = [
  'inter.broker.listener.name',
  'security.inter.broker.protocol',
  'control.plane.listener.name',
];

/**
 * ListenerRoles from a broker's described configs (`value` of LISTENER_ROLE_CONFIGS, null or
 * undefined when unset), as KafkaConfig derives them: an unset `inter.broker.listener.name` is the
 * listener named after `security.inter.broker.protocol`. Undefined when neither is said.
 */
export function listenerRolesFrom(value: (name: string) => string | null | undefined): ListenerRoles | undefined {
  const named = (name: string): string | undefined => {
    const v = value(name);
    return typeof v === 'string' && v.trim() !== '' ? v.trim().toUpperCase() : undefined;
  };
  const interBroker = named('inter.broker.listener.name') ?? named('security.inter.broker.protocol');
  if (interBroker === undefined) return undefined;
  return { interBroker, controlPlane: named('control.plane.listener.name') };
}
