/** The real bundling path: CDK's NodejsFunction with the house options produces a minified ESM bundle with a source map. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TallyFunction } from '../../lib/tally-function.ts';

describe('TallyFunction bundling', () => {
  it('bundles the track handler into one minified index.mjs with its source map', () => {
    const app = new App();
    const stack = new Stack(app, 'Bundle');
    new TallyFunction(stack, 'Track', { name: 'track', description: 'test' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
    });
    const assembly = app.synth();
    const assetDir = readdirSync(assembly.directory)
      .map((d) => join(assembly.directory, d))
      .find((d) => existsSync(join(d, 'index.mjs')));
    expect(assetDir).toBeDefined();
    const bundle = join(assetDir as string, 'index.mjs');
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const size = statSync(bundle).size;
    expect(size).toBeLessThan(600 * 1024);
    const text = readFileSync(bundle, 'utf8');
    // Minified: thousands of characters per line (unminified code averages well under 100).
    expect(text.length / text.split('\n').length).toBeGreaterThan(2000);
    expect(text).toContain('sourceMappingURL=index.mjs.map');
  });
});
