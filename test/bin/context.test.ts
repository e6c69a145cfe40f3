/**
 * Every context value the docs tell operators to pass (`-c name=value` in the README and
 * docs/operations.md) reaches the synthesized template: the function environment it sets, the
 * permission it grants, the stack it names. A value documented but not wired, or wired but not
 * documented, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_VALUES, stackFromContext } from '../../bin/context.ts';
import { PROJECT_ROOT } from '../../lib/bundling.ts';

/** Context names in `-c name=value` examples and in the context table of docs/operations.md. */
function documentedContextValues(): Set<string> {
  const names = new Set<string>();
  for (const doc of ['README.md', 'docs/operations.md']) {
    const text = readFileSync(join(PROJECT_ROOT, doc), 'utf8');
    for (const m of text.matchAll(/-c (\w+)=([^\s`]*)/g)) {
      // `-c name=value` is the syntax, not a value.
      if (!(m[1] === 'name' && m[2] === 'value')) names.add(m[1] as string);
    }
    const table = /Context values[^\n]*\n\n((?:\|[^\n]*\n)+)/.exec(text)?.[1];
    for (const row of table?.split('\n').slice(2) ?? []) {
      const first = row.split('|')[1] ?? '';
      for (const m of first.matchAll(/`(\w+)`/g)) names.add(m[1] as string);
    }
  }
  return names;
}

interface Synth {
  stackName: string;
  template: Template;
  assemblyDir: string;
}

/** Synthesizes the app as `cdk synth -c …` does (function bundling skipped), through bin/. */
function synth(context: Record<string, string>): Synth {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = stackFromContext(app);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return {
    stackName: artifact.stackName,
    template: Template.fromJSON(artifact.template),
    assemblyDir: assembly.directory,
  };
}

type Fn = {
  Properties: {
    Description: string;
    Role: { 'Fn::GetAtt': string[] };
    Environment: { Variables: Record<string, unknown> };
  };
};

const functionOf = (t: Template, description: RegExp): Fn => {
  const fns = Object.values(t.findResources('AWS::Lambda::Function')) as Fn[];
  const fn = fns.find((f) => description.test(f.Properties.Description));
  if (!fn) throw new Error(`no function ${description}`);
  return fn;
};
const envOf = (t: Template, description: RegExp) =>
  functionOf(t, description).Properties.Environment.Variables;
const ADMIN = /^Admin API/;
const TRACK = /^Tracking API/;

/** The IAM actions of the policies attached to the role of a function. */
function actionsOf(t: Template, description: RegExp): string[] {
  const role = functionOf(t, description).Properties.Role['Fn::GetAtt'][0] as string;
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: unknown }[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()))
    .map(String);
}

/** Values chosen unlike every default, so a check cannot pass on a default. */
const EXTERNAL = {
  stackName: 'AnalyticsProd',
  jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
  jwtIssuer: 'https://auth.example.com',
  jwtAudience: 'tally-prod',
  jwtRoleClaim: 'groups',
  adminRole: 'analytics-admin',
  jwtProjectsClaim: 'tenants',
  sentimentProvider: 'comprehend',
  jwtMaxTokenLifetime: '3600',
  stage: 'dev',
  alarmEmail: 'ops@example.com',
  domainName: 'analytics.example.com',
  certificateArn:
    'arn:aws:acm:us-east-1:111111111111:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789012',
  apiThrottleRate: '1234',
  apiThrottleBurst: '567',
  corsOrigins: 'https://admin.example.com,https://ops.example.com',
  oidcIssuer: 'https://auth.example.com',
  oidcClientId: 'tally-dashboard',
};

/** The throttling of the HTTP API's default stage. */
const stageThrottle = (t: Template) =>
  (
    Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { DefaultRouteSettings?: Record<string, number> };
    }
  ).Properties.DefaultRouteSettings;

/** The config.json the dashboard's deployment carries (an asset directory of the assembly). */
function dashboardConfig(s: Synth): unknown {
  const dir = readdirSync(s.assemblyDir).find((d) => {
    try {
      return readdirSync(join(s.assemblyDir, d)).includes('config.json');
    } catch {
      return false;
    }
  });
  return JSON.parse(readFileSync(join(s.assemblyDir, dir as string, 'config.json'), 'utf8'));
}

/** What each context value must change in the synthesized output. */
const CHECKS: Record<string, (s: Synth) => void> = {
  stackName: (s) => expect(s.stackName).toBe('AnalyticsProd'),
  jwksUrl: (s) => {
    s.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(envOf(s.template, ADMIN).JWT_JWKS_URL).toBe(EXTERNAL.jwksUrl);
    expect(envOf(s.template, TRACK).JWT_JWKS_URL).toBe(EXTERNAL.jwksUrl);
  },
  jwtIssuer: (s) => expect(envOf(s.template, ADMIN).JWT_ISSUER).toBe(EXTERNAL.jwtIssuer),
  jwtAudience: (s) => expect(envOf(s.template, ADMIN).JWT_AUDIENCE).toBe(EXTERNAL.jwtAudience),
  jwtRoleClaim: (s) => expect(envOf(s.template, ADMIN).JWT_ROLE_CLAIM).toBe('groups'),
  adminRole: (s) => expect(envOf(s.template, ADMIN).JWT_ADMIN_ROLE).toBe('analytics-admin'),
  jwtProjectsClaim: (s) => expect(envOf(s.template, ADMIN).JWT_PROJECTS_CLAIM).toBe('tenants'),
  sentimentProvider: (s) => {
    expect(envOf(s.template, ADMIN).TALLY_SENTIMENT_PROVIDER).toBe('comprehend');
    expect(actionsOf(s.template, ADMIN)).toContain('comprehend:DetectSentiment');
    expect(actionsOf(s.template, ADMIN)).toContain('comprehend:BatchDetectSentiment');
  },
  jwtMaxTokenLifetime: (s) => {
    expect(envOf(s.template, ADMIN).JWT_MAX_TOKEN_LIFETIME_SECONDS).toBe('3600');
    expect(envOf(s.template, TRACK).JWT_MAX_TOKEN_LIFETIME_SECONDS).toBe('3600');
  },
  stage: (s) => {
    const [table] = Object.values(s.template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(table).toMatchObject({ DeletionPolicy: 'Delete' });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  },
  alarmEmail: (s) =>
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    }),
  domainName: (s) =>
    s.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Aliases: ['analytics.example.com'] }),
    }),
  certificateArn: (s) =>
    s.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        ViewerCertificate: Match.objectLike({
          AcmCertificateArn: EXTERNAL.certificateArn,
          MinimumProtocolVersion: 'TLSv1.2_2021',
        }),
      }),
    }),
  apiThrottleRate: (s) => expect(stageThrottle(s.template)?.ThrottlingRateLimit).toBe(1234),
  apiThrottleBurst: (s) => expect(stageThrottle(s.template)?.ThrottlingBurstLimit).toBe(567),
  corsOrigins: (s) =>
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://admin.example.com', 'https://ops.example.com'],
      }),
    }),
  oidcIssuer: (s) =>
    expect(dashboardConfig(s)).toMatchObject({
      auth: { type: 'oidc', issuer: EXTERNAL.oidcIssuer },
    }),
  oidcClientId: (s) =>
    expect(dashboardConfig(s)).toMatchObject({ auth: { clientId: EXTERNAL.oidcClientId } }),
  jwtSecretName: (s) => {
    s.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(JSON.stringify(envOf(s.template, ADMIN).JWT_HS256_SECRET)).toContain(
      '{{resolve:secretsmanager:tally/jwt-secret:SecretString:::}}',
    );
    expect(envOf(s.template, ADMIN).JWT_JWKS_URL).toBeUndefined();
  },
};

/** Synthesis takes seconds, more on a loaded machine: each app is synthesized once, up front. */
let plain: Synth;
let external: Synth;
let hs256: Synth;
let comprehend: Synth;

beforeAll(() => {
  plain = synth({});
  external = synth(EXTERNAL);
  hs256 = synth({ jwtSecretName: 'tally/jwt-secret' });
  comprehend = synth({ sentimentProvider: 'comprehend' });
}, 240_000);

describe('context values', () => {
  it('are exactly the ones documented, each with a check', () => {
    const documented = documentedContextValues();
    expect([...documented].sort()).toEqual([...CONTEXT_VALUES].sort());
    expect(Object.keys(CHECKS).sort()).toEqual([...CONTEXT_VALUES].sort());
  });

  it('leave the defaults alone when absent', () => {
    expect(plain.stackName).toBe('Tally');
    // Stage prod: the table is retained, logs kept 90 days; no mail, the CloudFront domain.
    expect(Object.values(plain.template.findResources('AWS::DynamoDB::GlobalTable'))).toEqual([
      expect.objectContaining({ DeletionPolicy: 'Retain' }),
    ]);
    plain.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    plain.template.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(
      JSON.stringify(plain.template.findResources('AWS::CloudFront::Distribution')),
    ).not.toContain('Aliases');
    plain.template.resourceCountIs('AWS::Cognito::UserPool', 1);
    expect(envOf(plain.template, ADMIN)).toMatchObject({
      TALLY_SENTIMENT_PROVIDER: 'lexicon',
      JWT_ROLE_CLAIM: 'cognito:groups',
      JWT_ADMIN_ROLE: 'admin',
      JWT_PROJECTS_CLAIM: 'custom:projects',
      JWT_MAX_TOKEN_LIFETIME_SECONDS: '86400',
    });
    expect(actionsOf(plain.template, ADMIN).filter((a) => a.startsWith('comprehend:'))).toEqual([]);
    expect(stageThrottle(plain.template)).toEqual({
      ThrottlingRateLimit: 5000,
      ThrottlingBurstLimit: 2500,
    });
  });

  it('reach the template: an external JWKS issuer with its claims, a stack name, Comprehend, stage throttling', () => {
    for (const name of Object.keys(EXTERNAL)) (CHECKS[name] as (s: Synth) => void)(external);
  });

  it('reach the template: an HS256 secret from Secrets Manager', () => {
    (CHECKS.jwtSecretName as (s: Synth) => void)(hs256);
  });

  it('-c sentimentProvider=comprehend alone gives the admin function Comprehend', () => {
    (CHECKS.sentimentProvider as (s: Synth) => void)(comprehend);
  });

  it('refuse a value the function would refuse, at synth, naming it', () => {
    expect(() => synth({ sentimentProvider: 'vader' })).toThrow(
      '-c sentimentProvider must be one of lexicon, comprehend, got "vader"',
    );
    expect(() => synth({ jwtMaxTokenLifetime: '1y' })).toThrow(
      '-c jwtMaxTokenLifetime must be an integer in [60, 31536000], got "1y"',
    );
    expect(() => synth({ apiThrottleBurst: '9000' })).toThrow(
      '-c apiThrottleBurst must be an integer in [1, 5000], got 9000',
    );
    expect(() => synth({ corsOrigins: 'https://admin.example.com/panel' })).toThrow(
      /-c corsOrigins must list origins .*got "https:\/\/admin.example.com\/panel"/,
    );
    expect(() => synth({ ...EXTERNAL, oidcClientId: '' })).toThrow(/go together/);
  });

  it('refuse a stage, an address or a domain the stack cannot use, at synth, naming it', () => {
    expect(() => synth({ stage: 'staging' })).toThrow(
      '-c stage must be one of dev, prod, got "staging"',
    );
    expect(() => synth({ alarmEmail: 'ops' })).toThrow('alarmEmail must be an e-mail address');
    expect(() => synth({ domainName: 'analytics.example.com' })).toThrow(
      '-c domainName and -c certificateArn go together',
    );
    expect(() =>
      synth({
        domainName: 'analytics.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
      }),
    ).toThrow('must be an ACM certificate in us-east-1');
  });
});
