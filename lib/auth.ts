import { Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { JWT } from '../lambdas/contract/config/jwt.ts';
import { envOf, resolve } from '../lambdas/contract/config/setting.ts';

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

/** The Cognito group whose members are admins: the admin function's default admin role. */
const ADMIN_GROUP = JWT.adminRole.fallback;

export interface TallyAuthProps {
  /** @default - a Cognito user pool is created, with an `admin` group */
  readonly external?: ExternalIssuer;
  /**
   * The longest lifetime (`exp` − `iat`) of a token the admin and track functions accept, in
   * seconds; a token without `exp` is always refused.
   * @default 86400 (a day: Cognito's longest ID-token validity)
   */
  readonly maxTokenLifetimeSeconds?: number;
  /** The user pool when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** The user pool refuses deletion until this is turned off. @default true */
  readonly deletionProtection?: boolean;
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
    const lifetime = envOf(
      JWT.maxLifetimeSeconds,
      resolve(JWT.maxLifetimeSeconds, props.maxTokenLifetimeSeconds, 'maxTokenLifetimeSeconds'),
    );
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
      /** A claim setting of the issuer, resolved (its default, or checked) as the function reads it. */
      const claim = (key: 'issuer' | 'audience' | 'roleClaim' | 'adminRole' | 'projectsClaim') =>
        envOf(JWT[key], resolve(JWT[key], ext[key], `external.${key}`));
      this.environment = {
        ...(ext.jwksUrl !== undefined
          ? envOf(JWT.jwksUrl, resolve(JWT.jwksUrl, ext.jwksUrl, 'external.jwksUrl'))
          : {
              // A CloudFormation dynamic reference: the secret itself is not in the template.
              [JWT.secret.env]: SecretValue.secretsManager(
                ext.hs256SecretName as string,
              ).unsafeUnwrap(),
            }),
        ...claim('issuer'),
        ...claim('audience'),
        ...claim('roleClaim'),
        ...claim('adminRole'),
        ...claim('projectsClaim'),
        ...lifetime,
      };
      return;
    }

    // Its users read every project's analytics: strong passwords, a TOTP second factor, and
    // Cognito's threat protection (Plus plan, $0.02 per monthly active user) blocking risky sign-ins.
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    new CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: ADMIN_GROUP,
      description: 'May read Tally analytics',
    });
    const client = this.userPool.addClient('Dashboard', {
      authFlows: { userSrp: true },
      generateSecret: false,
    });
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.environment = {
      [JWT.jwksUrl.env]: `${issuer}/.well-known/jwks.json`,
      [JWT.issuer.env]: issuer,
      // Cognito ID tokens carry the app client id as `aud`.
      [JWT.audience.env]: client.userPoolClientId,
      [JWT.roleClaim.env]: 'cognito:groups',
      [JWT.adminRole.env]: ADMIN_GROUP,
      [JWT.projectsClaim.env]: 'custom:projects',
      ...lifetime,
    };
  }
}
