import { join } from 'node:path';
import { DockerImage, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginRequestPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { ROUTES } from '../lambdas/contract/routes.ts';
import { buildWebSync } from '../web/build.ts';
import { PROJECT_ROOT } from './tally-function.ts';

export interface TallyDashboardSiteProps {
  /** The API that `/api/*`, `/v1/*` and the service paths are forwarded to (same origin, no CORS). */
  readonly api: HttpApi;
}

/**
 * Paths CloudFront forwards to the API rather than the bucket, from the route table: `/<segment>/*`
 * for the routes under a first segment, the path itself for a top-level route. Prefixes first,
 * then single paths, each in code-point order, so reordering the route table leaves the
 * behaviours as they are.
 */
const API_PATH_PATTERNS = [
  ...new Set(
    ROUTES.map(({ path }) => {
      const [, first, ...rest] = path.split('/');
      return rest.length ? `/${first}/*` : path;
    }),
  ),
].sort((a, b) => Number(!a.endsWith('/*')) - Number(!b.endsWith('/*')) || (a < b ? -1 : 1));

/**
 * The dashboard: a private bucket behind CloudFront with origin access control, and the API on
 * the same origin through extra behaviours (never cached, every header but Host forwarded).
 */
export class TallyDashboardSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: TallyDashboardSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    const apiDomain = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    const apiOrigin = new HttpOrigin(apiDomain);
    const apiBehavior = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Tally dashboard (${Stack.of(this).stackName})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((p) => [p, apiBehavior])),
    });

    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      distribution: this.distribution,
      sources: [
        Source.asset(join(PROJECT_ROOT, 'web'), {
          bundling: {
            image: DockerImage.fromRegistry('unused-local-bundling'),
            local: {
              tryBundle(outputDir: string) {
                buildWebSync(outputDir);
                return true;
              },
            },
          },
        }),
      ],
    });
  }
}
