import { RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { CfnUserPoolGroup, UserPool } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/contract/config.ts';

/**
 * An existing issuer of admin tokens (your auth service, or a Cognito pool you already have),
 * verified by its JWKS URL or, for a service that signs with a shared secret, HS256 with a secret
 * kept in Secrets Manager. Exactly one of the two.
 */
export interface ExternalIssuer {
  /** JWKS URL of the issuer. @default - none: `hs256SecretName` must be set */
  readonly jwksUrl?: string;
  /**
   * Name of a Secrets Manager secret (a plain string of at least 32 characters) for HS256. The
   * template holds only a reference; CloudFormation resolves it into the function's environment.
   * @default - none: `jwksUrl` must be set
   */
  readonly hs256SecretName?: string;
  /** @default - the `iss` claim is not checked */
  readonly issuer?: string;
  /** @default - the `aud` claim is not checked */
  readonly audience?: string;
  /** Claim that lists the caller's roles. @default 'roles' */
  readonly roleClaim?: string;
  /** @default 'admin' */
  readonly adminRole?: string;
  /** Claim listing the projects a token is limited to. @default 'projects' */
  readonly projectsClaim?: string;
}

export interface TallyAuthProps {
  /** @default - a Cognito user pool is created, with an `admin` group */
  readonly external?: ExternalIssuer;
}

/**
 * Who may read analytics: a Cognito user pool whose `admin` group grants the admin role (ID tokens,
 * checked for issuer and audience), or an external JWKS issuer. Produces the admin function's
 * JWT settings.
 */
export class TallyAuth extends Construct {
  /** Environment the admin function verifies tokens with. */
  readonly environment: Record<string, string>;
  readonly userPool: UserPool | undefined;

  constructor(scope: Construct, id: string, props: TallyAuthProps = {}) {
    super(scope, id);
    const ext = props.external;
    if (ext) {
      if ((ext.jwksUrl === undefined) === (ext.hs256SecretName === undefined)) {
        throw new Error('external needs exactly one of jwksUrl and hs256SecretName');
      }
      if (ext.jwksUrl !== undefined && !/^https:\/\//.test(ext.jwksUrl)) {
        throw new Error(
          `external.jwksUrl must be an https URL, got ${JSON.stringify(ext.jwksUrl)}`,
        );
      }
      this.userPool = undefined;
      this.environment = {
        ...(ext.jwksUrl !== undefined
          ? { [ENV.jwksUrl]: ext.jwksUrl }
          : {
              // A CloudFormation dynamic reference: the secret itself is not in the template.
              [ENV.jwtSecret]: SecretValue.secretsManager(
                ext.hs256SecretName as string,
              ).unsafeUnwrap(),
            }),
        ...(ext.issuer ? { [ENV.jwtIssuer]: ext.issuer } : {}),
        ...(ext.audience ? { [ENV.jwtAudience]: ext.audience } : {}),
        [ENV.jwtRoleClaim]: ext.roleClaim ?? 'roles',
        [ENV.jwtAdminRole]: ext.adminRole ?? 'admin',
        [ENV.jwtProjectsClaim]: ext.projectsClaim ?? 'projects',
      };
      return;
    }

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: 'admin',
      description: 'May read Tally analytics',
    });
    const client = this.userPool.addClient('Dashboard', {
      authFlows: { userSrp: true },
      generateSecret: false,
    });
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.environment = {
      [ENV.jwksUrl]: `${issuer}/.well-known/jwks.json`,
      [ENV.jwtIssuer]: issuer,
      // Cognito ID tokens carry the app client id as `aud`.
      [ENV.jwtAudience]: client.userPoolClientId,
      [ENV.jwtRoleClaim]: 'cognito:groups',
      [ENV.jwtAdminRole]: 'admin',
      [ENV.jwtProjectsClaim]: 'custom:projects',
    };
  }
}
