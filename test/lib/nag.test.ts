/**
 * cdk-nag's AwsSolutions pack on every stack variant an operator can deploy: nothing may be left
 * unacknowledged, errors or warnings (each acknowledgment in lib/ carries its reason). A failure
 * prints every finding with the construct it is on.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { stackFromContext } from '../../bin/context.ts';
import { TEST_ENV, tallyStack } from '../helpers/cdk.ts';

/** Every stack an operator can deploy, as `cdk deploy -c …` builds it (bin/context.ts). */
const VARIANTS: Record<string, Record<string, string>> = {
  'the default: Cognito, stage prod': {},
  '-c stage=dev': { stage: 'dev' },
  '-c jwksUrl': { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' },
  '-c jwtSecretName': { jwtSecretName: 'tally/jwt-secret' },
  '-c sentimentProvider=comprehend, -c alarmEmail, -c domainName with -c certificateArn': {
    sentimentProvider: 'comprehend',
    alarmEmail: 'ops@example.com',
    domainName: 'analytics.example.com',
    certificateArn:
      'arn:aws:acm:us-east-1:111111111111:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789012',
  },
};

const fromContext = (context: Record<string, string>, env: typeof TEST_ENV | object = TEST_ENV) =>
  stackFromContext(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }), env);

/** Every unacknowledged finding of the AwsSolutions pack, as `severity rule at construct`. */
function findings(stack: Stack): string[] {
  Template.fromStack(stack); // synthesize, so the checks see the finished tree
  return new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
    );
}

// The first synthesis of a file loads most of aws-cdk-lib: slow on a busy machine.
describe('cdk-nag AwsSolutions', { timeout: 120_000 }, () => {
  it.each(Object.entries(VARIANTS))('finds nothing unacknowledged with %s', (_, context) => {
    expect(findings(fromContext(context))).toEqual([]);
  });

  it('finds nothing unacknowledged without an account or region (cdk synth without credentials)', () => {
    expect(findings(fromContext({}, {}))).toEqual([]);
  });

  it('still reports what nobody acknowledged (the check is live)', () => {
    const stack = tallyStack({ env: TEST_ENV }, 'Live');
    new Bucket(stack, 'Unlogged');
    expect(findings(stack)).toEqual([
      'error AwsSolutions-S1 at Live/Unlogged/Resource',
      'error AwsSolutions-S10 at Live/Unlogged/Resource',
    ]);
  });
});
