/**
 * cdk-nag's AwsSolutions pack on every stack variant an operator can deploy: nothing may be left
 * unacknowledged, errors or warnings (each acknowledgment in lib/ carries its reason). A failure
 * prints every finding with the construct it is on.
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { TallyStackProps } from '../../lib/tally-stack.ts';
import { TEST_ENV as ENV, tallyStack } from '../helpers/cdk.ts';

const VARIANTS: Record<string, TallyStackProps> = {
  'the default: Cognito, stage prod': { env: ENV },
  'stage dev': { env: ENV, stage: 'dev' },
  'a JWKS issuer (-c jwksUrl)': {
    env: ENV,
    externalIssuer: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' },
  },
  'an HS256 secret (-c jwtSecretName)': {
    env: ENV,
    externalIssuer: { hs256SecretName: 'tally/jwt-secret' },
  },
  'Comprehend, an alarm e-mail and a custom domain': {
    env: ENV,
    sentimentProvider: 'comprehend',
    alarmEmail: 'ops@example.com',
    domain: {
      name: 'analytics.example.com',
      certificateArn:
        'arn:aws:acm:us-east-1:111111111111:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789012',
    },
  },
  'no account or region (cdk synth without credentials)': {},
};

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
  it.each(Object.entries(VARIANTS))('finds nothing unacknowledged with %s', (_, props) => {
    expect(findings(tallyStack(props, 'Nag'))).toEqual([]);
  });

  it('still reports what nobody acknowledged (the check is live)', () => {
    const stack = tallyStack({ env: ENV }, 'Live');
    new Bucket(stack, 'Unlogged');
    expect(findings(stack)).toEqual([
      'error AwsSolutions-S1 at Live/Unlogged/Resource',
      'error AwsSolutions-S10 at Live/Unlogged/Resource',
    ]);
  });
});
