export { KafkaServer, type KafkaServerOptions } from './server.js';
export type { Handler, HandlerTable, RequestContext } from './handler.js';
