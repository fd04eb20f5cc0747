/** The broker: what the CLI, the runtime's pipelines and tests may use. */
export { startBroker, type RunningBroker, type StartBrokerOptions } from './broker.js';
export {
  brokerConfigSchema,
  ConfigError,
  loadBrokerConfig,
  parseBrokerConfig,
  type BrokerConfig,
  type BrokerConfigInput,
  type ConfigSources,
} from './config.js';
export { GroupCoordinator } from './groups/index.js';
export { KafkaServer, type HandlerTable, type RequestContext } from './server/index.js';
