/**
 * Sign-in infrastructure, by synthesis: Cognito managed login for the dashboard (the user pool
 * domain, the public app client with the code flow back to the CloudFront URL, branding), the
 * admin function verifying that client's ID tokens, and the `config.json` deployed beside the
 * dashboard naming the issuer, the client and the endpoints; with an external issuer, discovery
 * or a pasted token instead. Bundling is skipped; the dashboard's asset is built as in a deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TallyStack, type TallyStackProps } from '../../lib/tally-stack.ts';

interface Synth {
  template: Template;
  /** The deployed config.json, deploy-time values as `<<marker…>>` placeholders. */
  config: { auth: Record<string, string> };
  /** What each placeholder becomes at deploy time. */
  markers: Record<string, unknown>;
}

function synth(props: TallyStackProps = {}): Synth {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TallyStack(app, 'Test', {
    env: { account: '111111111111', region: 'eu-west-1' },
    ...props,
  });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const dir = readdirSync(assembly.directory).find((d) => {
    try {
      return readdirSync(join(assembly.directory, d)).includes('config.json');
    } catch {
      return false;
    }
  });
  if (!dir) throw new Error('no asset holds config.json');
  const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0] as {
    Properties: { SourceMarkers?: Record<string, unknown>[] };
  };
  return {
    template,
    config: JSON.parse(readFileSync(join(assembly.directory, dir, 'config.json'), 'utf8')),
    markers: Object.assign({}, ...(deployment.Properties.SourceMarkers ?? [])),
  };
}

let cognito: Synth;
const logicalId = (t: Template, type: string) => {
  const ids = Object.keys(t.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

beforeAll(() => {
  cognito = synth();
}, 120_000);

describe('dashboard sign-in', () => {
  it('creates a Cognito domain with managed login and its branding', () => {
    const { template } = cognito;
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'test-111111111111',
      ManagedLoginVersion: 2,
      UserPoolId: { Ref: logicalId(template, 'AWS::Cognito::UserPool') },
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      UseCognitoProvidedValues: true,
      ClientId: { Ref: logicalId(template, 'AWS::Cognito::UserPoolClient') },
    });
  });

  it('registers a public app client for the code flow (PKCE), back to the CloudFront URL', () => {
    const { template } = cognito;
    const distribution = logicalId(template, 'AWS::CloudFront::Distribution');
    const dashboardUrl = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, '/']],
    };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [dashboardUrl],
      LogoutURLs: [dashboardUrl],
    });
    const client = template.findResources('AWS::Cognito::UserPoolClient');
    const props = (Object.values(client)[0] as { Properties: Record<string, unknown> }).Properties;
    // No implicit flow: tokens never travel in a URL.
    expect(props.AllowedOAuthFlows).not.toContain('implicit');
  });

  it('verifies that client’s ID tokens in the admin function', () => {
    const { template } = cognito;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Admin API'),
      Environment: {
        Variables: Match.objectLike({
          JWT_AUDIENCE: { Ref: logicalId(template, 'AWS::Cognito::UserPoolClient') },
        }),
      },
    });
  });

  it('deploys config.json with the issuer, the client and the managed-login endpoints', () => {
    const { template, config, markers } = cognito;
    const resolved = (value: string) =>
      JSON.stringify(value.replace(/<<marker:[^>]+>>/g, (m) => JSON.stringify(markers[m])));
    expect(config.auth.type).toBe('oidc');
    expect(resolved(config.auth.clientId as string)).toContain(
      JSON.stringify({ Ref: logicalId(template, 'AWS::Cognito::UserPoolClient') }).replace(
        /"/g,
        '\\"',
      ),
    );
    expect(resolved(config.auth.issuer as string)).toContain(
      'https://cognito-idp.eu-west-1.amazonaws.com/',
    );
    const domain = logicalId(template, 'AWS::Cognito::UserPoolDomain');
    for (const [key, path] of [
      ['authorizationEndpoint', '/oauth2/authorize'],
      ['tokenEndpoint', '/oauth2/token'],
      ['endSessionEndpoint', '/logout'],
    ] as const) {
      const value = resolved(config.auth[key] as string);
      expect(value).toContain(domain);
      expect(value).toContain('.auth.eu-west-1.amazoncognito.com');
      expect(value.endsWith(`${path}"`)).toBe(true);
    }
  });

  it('with an external issuer: OIDC discovery when one is named for the dashboard, else a pasted token', () => {
    const oidc = synth({
      externalIssuer: {
        jwksUrl: 'https://auth.example.com/jwks.json',
        oidc: { issuer: 'https://auth.example.com', clientId: 'tally-dashboard' },
      },
    });
    oidc.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    expect(oidc.config).toEqual({
      auth: { type: 'oidc', issuer: 'https://auth.example.com', clientId: 'tally-dashboard' },
    });
    const paste = synth({ externalIssuer: { jwksUrl: 'https://auth.example.com/jwks.json' } });
    expect(paste.config).toEqual({ auth: { type: 'token' } });
  }, 120_000);

  it('lets the listed origins call the API from a browser (an embedded side panel)', () => {
    cognito.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.absent(),
    });
    // Without an API-wide CORS configuration a tracking route's preflight reaches the track
    // function through the path's ANY route (lambdas/track/cors.ts answers it).
    cognito.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /v1/page',
    });
    cognito.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /t.js',
    });
    const cors = synth({ corsOrigins: ['https://admin.example.com'] });
    cors.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://admin.example.com'],
        AllowHeaders: ['authorization', 'content-type', 'content-encoding'],
        AllowMethods: ['GET', 'POST', 'DELETE'],
        MaxAge: 600,
      },
    });
  }, 120_000);
});
