import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FunctionName } from '../lambdas/contract/route-def.ts';
import { FALLBACK_ROUTES, ROUTES } from '../lambdas/contract/routes.ts';

export interface TallyHttpApiProps {
  /** The function behind each name used in the route table. */
  readonly functions: Record<FunctionName, IFunction>;
}

/**
 * One HTTP API (payload format 2.0) with exactly the routes of the shared route table, and an
 * `ANY` route per path so that a method the path lacks gets the function's 405 with `Allow`.
 */
export class TallyHttpApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: TallyHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { description: 'Tally tracking and admin API' });
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
  }
}
