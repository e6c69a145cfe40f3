/**
 * The event vocabulary: the `track` event names that mean something to the reports. The track
 * function's domain endpoints emit them, facts are derived from them, counters count them. Any
 * other name is counted as an event and listed by name, nothing more (docs/architecture.md
 * "Event model").
 */

/** Event names with a meaning in the reports. */
export const DOMAIN_EVENTS = {
  messageSent: 'message.sent',
  conversationStarted: 'conversation.started',
  conversationUpdated: 'conversation.updated',
  conversationEnded: 'conversation.ended',
  apiRequest: 'api.request',
  feedbackSubmitted: 'feedback.submitted',
} as const;

/** What happened to a conversation, by the event that says so. */
export const CONVERSATION_EVENTS = {
  started: DOMAIN_EVENTS.conversationStarted,
  updated: DOMAIN_EVENTS.conversationUpdated,
  ended: DOMAIN_EVENTS.conversationEnded,
} as const;

export type ConversationAction = keyof typeof CONVERSATION_EVENTS;

/**
 * Event names the product reports read (docs/api-product-analytics.md): an experiment exposure
 * carries `experimentId` (or `experiment_id`) and `variant`.
 */
export const PRODUCT_EVENTS = {
  experimentExposure: 'experiment.exposure',
} as const;
