/**
 * Infrastructure, by synthesis: the resources and the properties that matter (routes from the
 * shared table, the rule's pattern, PITR, the DLQ, arm64 Node 22, the private bucket behind OAC).
 * Function bundling is skipped here (it has its own test), so synthesis takes a second.
 */
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_TYPE, EVENT_SOURCE, REJECTIONS_DETAIL_TYPE } from '../../lambdas/contract/bus.ts';
import { FALLBACK_ROUTES, ROUTES, routeKey } from '../../lambdas/contract/routes.ts';
import { LAMBDA_ENVIRONMENT } from '../../lib/bundling.ts';
import { synthTally as synth } from '../helpers/cdk.ts';

let template: Template;

beforeAll(() => {
  template = synth();
});

describe('TallyStack', () => {
  it('creates one on-demand table with pk/sk, PITR and TTL', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('routes exactly the shared route table on one HTTP API, with an ANY route per path (405)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(routes.sort()).toEqual([...ROUTES, ...FALLBACK_ROUTES].map(routeKey).sort());
  });

  it('feeds the ingest queue from the bus with the shared pattern, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DETAIL_TYPE, REJECTIONS_DETAIL_TYPE],
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
      VisibilityTimeout: 360,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: [EVENT_SOURCE], 'detail-type': [DETAIL_TYPE] },
      RetentionDays: 30,
    });
  });

  it('gives ingest a rejections sink of its own, apart from the dead-letter queue', () => {
    const fns = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { REJECTED_QUEUE_URL: Match.anyValue() } } },
      }),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
    expect(fns).toHaveLength(1);
    const vars = fns[0]?.Properties.Environment.Variables ?? {};
    expect(vars.REJECTED_QUEUE_URL).not.toEqual(vars.DEAD_LETTER_QUEUE_URL);
    template.hasOutput('RejectedQueueUrl', Match.anyValue());
  });

  it('tells ingest its own timeout, the bound its exactness rests on', () => {
    const fns = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { TALLY_MAX_RECEIVE_COUNT: Match.anyValue() } } },
      }),
    ) as { Properties: { Timeout: number; Environment: { Variables: Record<string, string> } } }[];
    expect(fns).toHaveLength(1);
    const ingest = fns[0]?.Properties;
    expect(ingest?.Environment.Variables.TALLY_INGEST_TIMEOUT_SECONDS).toBe(
      String(ingest?.Timeout),
    );
  });

  it('builds every function the same way: Node 22 on arm64, the shared environment, bounded log retention', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Runtime: 'nodejs22.x' },
    });
    expect(Object.keys(fns)).toHaveLength(4);
    for (const fn of Object.values(fns) as { Properties: Record<string, unknown> }[]) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(variables).toMatchObject({ ...LAMBDA_ENVIRONMENT, TABLE_NAME: expect.anything() });
      // What the cold-start benchmark starts its processes with (lib/bundling.ts).
      expect(variables.NODE_OPTIONS).toBe(LAMBDA_ENVIRONMENT.NODE_OPTIONS);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('gives each function a role that may write its own log group, and no managed policy', () => {
    type Fn = {
      Properties: {
        Role: { 'Fn::GetAtt': [string, string] };
        LoggingConfig: { LogGroup: { Ref: string } };
      };
    };
    const fns = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }),
    ) as Fn[];
    const roles = template.findResources('AWS::IAM::Role');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: {
        Roles: { Ref: string }[];
        PolicyDocument: { Statement: Record<string, unknown>[] };
      };
    }[];
    for (const fn of fns) {
      const role = fn.Properties.Role['Fn::GetAtt'][0];
      expect(roles[role]?.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = policies
        .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
        }),
      );
    }
  });

  it('lets track publish to the bus and read (not write) the table', () => {
    type Fn = { Properties: { Description: string; Role: { 'Fn::GetAtt': string[] } } };
    const fns = Object.values(template.findResources('AWS::Lambda::Function')) as Fn[];
    const track = fns.find((f) => f.Properties.Description?.startsWith('Tracking API'));
    if (!track) throw new Error('no track function in the template');
    const role = track.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(
        role as string,
      ),
    );
    expect(policies.length).toBeGreaterThan(0);
    const actions = JSON.stringify(policies);
    expect(actions).toContain('events:PutEvents');
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).toContain('dynamodb:GetItem');
  });

  it('serves the dashboard from a private bucket through CloudFront with OAC, and the API on the same origin', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/api/*' }),
          Match.objectLike({ PathPattern: '/v1/*' }),
        ]),
      }),
    });
  });

  it('runs the rollup hourly and nightly, and gives the admin function the same settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Rebuilds exact daily statistics from raw events',
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          TALLY_ROLLUP_SETTLE_SECONDS: '120',
          TALLY_ROLLUP_NIGHTLY_DAYS: '3',
        }),
      },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(7 * * * ? *)',
      Target: Match.objectLike({ Input: JSON.stringify({ mode: 'hourly' }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(37 2 * * ? *)',
      Target: Match.objectLike({ Input: JSON.stringify({ mode: 'nightly' }) }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Admin API'),
      Environment: {
        Variables: Match.objectLike({
          TALLY_ROLLUP_SETTLE_SECONDS: '120',
          TALLY_SENTIMENT_PROVIDER: 'lexicon',
        }),
      },
    });
  });

  it('refuses a rollup settle time shorter than the ingest timeout', async () => {
    const { TallyRollup } = await import('../../lib/rollup.ts');
    const { TallyStorage } = await import('../../lib/storage.ts');
    const { Duration, Stack } = await import('aws-cdk-lib');
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(
      () =>
        new TallyRollup(stack, 'R', {
          storage: new TallyStorage(stack, 'T'),
          settle: Duration.seconds(30),
        }),
    ).toThrow(/at least 90 s, got 30 s/);
  });

  it('configures admin JWT verification against Cognito by default', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          JWT_ROLE_CLAIM: 'cognito:groups',
          JWT_JWKS_URL: Match.anyValue(),
        }),
      },
    });
  });

  it('uses an external issuer instead when one is given, and refuses a non-https JWKS URL', () => {
    const external = synth({
      externalIssuer: { jwksUrl: 'https://auth.example.com/jwks.json', roleClaim: 'roles' },
    });
    external.resourceCountIs('AWS::Cognito::UserPool', 0);
    external.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ JWT_JWKS_URL: 'https://auth.example.com/jwks.json' }),
      },
    });
    expect(() => synth({ externalIssuer: { jwksUrl: 'http://insecure' } })).toThrow(
      /must be an https URL, got "http:\/\/insecure"/,
    );
    expect(() => synth({ externalIssuer: {} })).toThrow(
      /exactly one of jwksUrl and hs256SecretName/,
    );
  });

  it('verifies HS256 tokens with a secret from Secrets Manager, never written into the template', () => {
    const hs = synth({
      externalIssuer: { hs256SecretName: 'tally/jwt-secret', roleClaim: 'roles' },
    });
    type Fn = { Properties: { Environment?: { Variables?: Record<string, unknown> } } };
    const fns = Object.values(hs.findResources('AWS::Lambda::Function')) as Fn[];
    const secrets = fns
      .map((f) => f.Properties.Environment?.Variables?.JWT_HS256_SECRET)
      .filter(Boolean);
    expect(secrets.length).toBe(2);
    for (const s of secrets) {
      expect(JSON.stringify(s)).toContain(
        '{{resolve:secretsmanager:tally/jwt-secret:SecretString:::}}',
      );
    }
  });
});
