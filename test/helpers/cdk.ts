/** The Tally stack synthesized as a test needs it: without bundling the functions (bundling has its own test). */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TallyStack, type TallyStackProps } from '../../lib/tally-stack.ts';

/** A fixed account and region, so templates do not depend on the machine's AWS settings. */
export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };

/** A new app holding one TallyStack, not yet synthesized. */
export function tallyStack(props: TallyStackProps = { env: TEST_ENV }, id = 'Test'): TallyStack {
  return new TallyStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), id, props);
}

/** The template of a TallyStack with these props (by default in TEST_ENV). */
export const synthTally = (props: TallyStackProps = {}): Template =>
  Template.fromStack(tallyStack({ env: TEST_ENV, ...props }));
