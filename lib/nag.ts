/**
 * Acknowledging cdk-nag (AwsSolutions) findings that are true but accepted. Each construct
 * acknowledges its own, with a one-line reason, on the narrowest construct it can; bin/tally.ts
 * registers the checks, so `cdk synth` fails on anything not acknowledged, and
 * test/lib/nag.test.ts runs them on every stack variant.
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges AwsSolutions rules (`'L1'`, `'IAM5[Resource::*]'`, …) on `scope` and its children. */
export function acknowledge(scope: IConstruct, reason: string, ...rules: string[]): void {
  Validations.of(scope).acknowledge(
    ...rules.map((rule) => ({ id: `AwsSolutions-${rule}`, reason })),
  );
}

/** How a finding names a resource's ARN: `<LogicalId.Arn>` (cdk-nag flattens `Fn::GetAtt` so). */
export const nagArn = (resource: CfnResource): string =>
  `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
