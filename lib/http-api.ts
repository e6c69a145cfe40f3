import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type FunctionName, ROUTES } from '../lambdas/shared/routes.ts';

export interface TallyHttpApiProps {
  /** The function behind each name used in the route table. */
  readonly functions: Record<FunctionName, IFunction>;
}

/** One HTTP API (payload format 2.0) with exactly the routes of the shared route table. */
export class TallyHttpApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: TallyHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { description: 'Tally tracking and admin API' });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.fn}Integration`,
          props.functions[route.fn],
        );
        integrations.set(route.fn, integration);
      }
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
      });
    }
  }
}
