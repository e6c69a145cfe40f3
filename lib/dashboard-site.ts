import { join } from 'node:path';
import {
  type CfnResource,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
} from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginRequestPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { ROUTES } from '../lambdas/contract/routes.ts';
import { buildWebSync } from '../web/build.ts';
import { PROJECT_ROOT } from './bundling.ts';
import { acknowledge, nagArn } from './nag.ts';
import { type LogSettings, STAGES } from './stage.ts';

/** A custom domain for the dashboard (and the API on its origin), served with TLS 1.2 at least. */
export interface DashboardDomain {
  /** e.g. `analytics.example.com`; its DNS is yours to point at the distribution. */
  readonly name: string;
  /** An ACM certificate for `name`, in us-east-1 (CloudFront takes certificates only from there). */
  readonly certificateArn: string;
}

export interface TallyDashboardSiteProps {
  /** The API that `/api/*`, `/v1/*` and the service paths are forwarded to (same origin, no CORS). */
  readonly api: HttpApi;
  /** @default - the distribution's `*.cloudfront.net` name and certificate */
  readonly domain?: DashboardDomain;
  /** How long S3 and CloudFront access logs are kept, and the log bucket's removal. @default STAGES.prod.logs */
  readonly logs?: LogSettings;
  /** Deployed as `config.json` beside the dashboard (sign-in settings; deploy-time values allowed). */
  readonly runtimeConfig: Record<string, unknown>;
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
  /** S3 server access logs of the dashboard bucket (`s3/`) and CloudFront's logs (`cloudfront/`). */
  readonly logBucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: TallyDashboardSiteProps) {
    super(scope, id);
    const logs = props.logs ?? STAGES.prod.logs;
    if (
      props.domain &&
      !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\//.test(props.domain.certificateArn)
    ) {
      throw new Error(
        `domain.certificateArn must be an ACM certificate in us-east-1 (CloudFront's region), got ${JSON.stringify(props.domain.certificateArn)}`,
      );
    }
    this.logBucket = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with object ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(logs.retention) }],
      removalPolicy: logs.removalPolicy,
      autoDeleteObjects: logs.removalPolicy === RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.logBucket,
      'The access-log bucket itself: logging it into itself would loop',
      'S1',
    );
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // The build output only: a deployment puts it back.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
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
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: Certificate.fromCertificateArn(
              this,
              'Certificate',
              props.domain.certificateArn,
            ),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    if (!props.domain) {
      acknowledge(
        this.distribution,
        'With the default *.cloudfront.net certificate CloudFront fixes the policy at TLSv1; deploy with domainName and certificateArn for TLS 1.2 at least',
        'CFR4',
      );
    }
    acknowledge(
      this.distribution,
      'Callers track from anywhere; access is by write key or JWT, not by country',
      'CFR1',
    );
    acknowledge(
      this.distribution,
      'No WAF: every API request is authenticated, the API is reachable directly at ApiUrl too, and a web ACL costs $5/month plus $0.60 per million requests',
      'CFR2',
    );

    const deployment = new BucketDeployment(this, 'Deploy', {
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
        Source.jsonData('config.json', props.runtimeConfig),
      ],
    });
    acknowledgeDeploymentHandler(deployment.handlerRole.node.scope as IConstruct, this.bucket);
  }
}

/**
 * The findings on the function CDK's BucketDeployment runs (one per stack), which Tally does not
 * write: its runtime, its managed basic-execution policy, and the wildcards of its grants (read
 * the CDK asset bucket, write the dashboard bucket, invalidate the distribution).
 */
function acknowledgeDeploymentHandler(handler: IConstruct, bucket: Bucket) {
  const stack = Stack.of(bucket);
  const qualifier =
    stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const pseudo = (value: string, name: string) =>
    Token.isUnresolved(value) ? `<AWS::${name}>` : value;
  const assetBucket = `cdk-${qualifier}-assets-${pseudo(stack.account, 'AccountId')}-${pseudo(stack.region, 'Region')}`;
  const reason =
    "CDK's BucketDeployment handler, not Tally code: it copies the dashboard build from the CDK asset bucket and invalidates the distribution";
  acknowledge(
    handler,
    reason,
    'L1',
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
      (action) => `IAM5[Action::${action}]`,
    ),
    `IAM5[Resource::arn:<AWS::Partition>:s3:::${assetBucket}/*]`,
    `IAM5[Resource::${nagArn(bucket.node.defaultChild as CfnResource)}/*]`,
    'IAM5[Resource::*]',
  );
}
