import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_STAGE } from '../lambdas/contract/config/api.ts';
import { resolve } from '../lambdas/contract/config/setting.ts';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_SECONDS,
  TRACK_CORS_ALLOW_HEADERS,
} from '../lambdas/contract/cors.ts';
import type { FunctionName } from '../lambdas/contract/route-def.ts';
import { FALLBACK_ROUTES, ROUTES } from '../lambdas/contract/routes.ts';
import { ACCESS_LOG_FIELDS } from './access-log.ts';
import { acknowledge } from './nag.ts';
import { type LogSettings, STAGES } from './stage.ts';

export interface TallyHttpApiProps {
  /** The function behind each name used in the route table. */
  readonly functions: Record<FunctionName, IFunction>;
  /** The access log's retention and removal. @default STAGES.prod.logs */
  readonly logs?: LogSettings;
  /** Steady requests/s of the default stage, all routes together. @default 5,000 */
  readonly throttleRate?: number;
  /** Burst of the default stage above the rate. @default 2,500 */
  readonly throttleBurst?: number;
  /** Origins whose pages may call the API (an embedded `<tally-panel>`). @default - none (no CORS) */
  readonly corsOrigins?: readonly string[];
}

/**
 * One HTTP API (payload format 2.0) with exactly the routes of the shared route table, an `ANY`
 * route per path so that a method the path lacks gets the function's 405 with `Allow`, and an
 * access log.
 */
export class TallyHttpApi extends Construct {
  readonly api: HttpApi;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: TallyHttpApiProps) {
    super(scope, id);
    const logs = props.logs ?? STAGES.prod.logs;
    const origins = props.corsOrigins ?? [];
    this.api = new HttpApi(this, 'Api', {
      description: 'Tally tracking and admin API',
      // The default stage is made below, with an access log (HttpApi's own has none).
      createDefaultStage: false,
      // Without it, a preflight reaches the path's ANY route and the track function answers its
      // routes' CORS for any origin (lambdas/track/cors.ts). With it, API Gateway answers every
      // preflight itself and sets the headers of every answer, tracking routes included, for
      // these origins only (docs/tracking.md: list the tracked sites too).
      ...(origins.length
        ? {
            corsPreflight: {
              allowOrigins: [...origins],
              allowHeaders: [...new Set([...CORS_ALLOW_HEADERS, ...TRACK_CORS_ALLOW_HEADERS])],
              allowMethods: CORS_ALLOW_METHODS.map(
                (m) => CorsHttpMethod[m as keyof typeof CorsHttpMethod],
              ),
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            },
          }
        : {}),
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: logs.retention,
      removalPolicy: logs.removalPolicy,
    });
    new HttpStage(this.api, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
      // The stage ceiling in front of the per-key limits.
      throttle: {
        rateLimit: resolve(API_STAGE.throttleRate, props.throttleRate, 'throttleRate'),
        burstLimit: resolve(API_STAGE.throttleBurst, props.throttleBurst, 'throttleBurst'),
      },
    });
    // An integration makes its resources when a route first binds it, so one per function here
    // adds nothing for a function without routes.
    const integrations = {
      track: new HttpLambdaIntegration('trackIntegration', props.functions.track),
      admin: new HttpLambdaIntegration('adminIntegration', props.functions.admin),
    } satisfies Record<FunctionName, HttpLambdaIntegration>;
    for (const route of ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.fn],
      });
    }
    for (const route of FALLBACK_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod.ANY],
        integration: integrations[route.fn],
      });
    }
    acknowledge(
      this.api,
      'Auth is in the functions: track checks write keys and service JWTs, admin verifies JWTs with jose (role, projects); /health and /openapi.json are public on purpose (test/e2e/auth-matrix.test.ts)',
      'APIG4',
    );
  }
}
