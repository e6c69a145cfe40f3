import { Duration, Lazy, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClientIdentityProvider,
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
  /**
   * An OpenID Connect issuer the dashboard signs in with (authorization code + PKCE, its endpoints
   * found by discovery), and the public client registered there for the dashboard.
   * @default - the dashboard asks for a pasted token
   */
  readonly oidc?: { readonly issuer: string; readonly clientId: string };
}

/** `config.json`'s `auth`: how the dashboard signs in (web/auth.ts reads it). */
export interface DashboardAuthConfig {
  readonly type: 'oidc' | 'token';
  readonly issuer?: string;
  readonly clientId?: string;
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
  readonly endSessionEndpoint?: string;
  readonly scope?: string;
  readonly label?: string;
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
  /**
   * Prefix of the pool's Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`), unique in
   * the region. @default - the stack name, lower-cased, and the account id
   */
  readonly domainPrefix?: string;
}

/**
 * Who may read analytics: a Cognito user pool whose `admin` group grants the admin role (ID tokens,
 * checked for issuer and audience), signed in to through Cognito managed login with the
 * authorization-code flow and PKCE; or an external JWKS issuer. Produces the admin function's JWT
 * settings and the dashboard's sign-in configuration.
 */
export class TallyAuth extends Construct {
  /** Environment the admin function verifies tokens with. */
  readonly environment: Record<string, string>;
  readonly userPool: UserPool | undefined;
  /** How the dashboard signs in: deployed beside it as `config.json`. */
  readonly dashboardConfig: DashboardAuthConfig;
  /** Where Cognito may send the browser back to (the dashboard's URL, once the site exists). */
  readonly #dashboardUrls: string[] = [];

  /** Registers the dashboard's URL as the app client's callback and sign-out URL. */
  allowDashboard(url: string): void {
    this.#dashboardUrls.push(url);
  }

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
      this.dashboardConfig = ext.oidc
        ? { type: 'oidc', issuer: ext.oidc.issuer, clientId: ext.oidc.clientId }
        : { type: 'token' };
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
    const stack = Stack.of(this);
    const domain = this.userPool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix:
          props.domainPrefix ??
          `${stack.stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${stack.account}`,
      },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // The dashboard's app client: public (no secret; PKCE protects the code), code flow only,
    // back to the dashboard's own URL. The URLs are known once the site exists (allowDashboard).
    const urls = Lazy.list({ produce: () => this.#dashboardUrls });
    const client = this.userPool.addClient('Dashboard', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: urls,
        logoutUrls: urls,
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });
    new CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
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
    const login = domain.baseUrl();
    this.dashboardConfig = {
      type: 'oidc',
      issuer,
      clientId: client.userPoolClientId,
      authorizationEndpoint: `${login}/oauth2/authorize`,
      tokenEndpoint: `${login}/oauth2/token`,
      endSessionEndpoint: `${login}/logout`,
      scope: 'openid email profile',
      label: 'Sign in',
    };
  }
}
