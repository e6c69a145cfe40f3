/**
 * The API's access log line (one JSON object per request), apart from the construct so the
 * benchmark can price its bytes without loading the CDK. No caller IP: Tally keeps of an IP what
 * TALLY_IP_MODE allows and no more; the request id finds the function's own lines.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  route: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;
