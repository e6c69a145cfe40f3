/** `@tally/client`: Tally's TypeScript client, its API-usage middleware and its Lambda helper. */
export {
  type Dropped,
  type DropReason,
  type FlushOptions,
  Tally,
  type TallyOptions,
  type TallyStats,
} from './client.ts';
export { type Flushable, type LambdaFlushOptions, withTally } from './lambda.ts';
export { type LlmCall, type LlmUsage, llmUsage } from './llm.ts';
export type {
  ActivityCall,
  ApiUsageCall,
  CommonFields,
  ConversationAction,
  ConversationCall,
  Id,
  IdentifyCall,
  Identity,
  MessageCall,
  PageCall,
  TrackCall,
} from './messages.ts';
export {
  type ExpressRequestLike,
  expressTemplate,
  tallyExpress,
} from './middleware/express.ts';
export {
  type FastifyInstanceLike,
  type FastifyPluginLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  tallyFastify,
} from './middleware/fastify.ts';
export {
  CLIENT_CLOSED,
  type HttpMiddlewareOptions,
  type NodeRequestLike,
  type NodeResponseLike,
  routeMatcher,
  tallyHttp,
} from './middleware/http.ts';
export {
  apiGatewayTemplate,
  type MiddyOptions,
  type MiddyRequestLike,
  tallyMiddy,
} from './middleware/middy.ts';
export { type ApiUsageSink, type MiddlewareOptions, UNMATCHED } from './middleware/record.ts';
export type { OverflowPolicy } from './queue.ts';
