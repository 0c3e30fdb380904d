import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { type Authenticator, apiKeyAuthenticator, jwtAuthenticator } from './authenticators.ts';
import { introspectionAuthenticator } from './introspection.ts';
import { issuedChecker } from './issued.ts';
import { JwksCache } from './jwks.ts';
import {
  createJwtVerifier,
  isHmacAlgorithm,
  type JwtIssuer,
  type KeySource,
  staticKeySource,
} from './jwt.ts';
import { mtlsAuthenticator } from './mtls.ts';
import type { AuthConfig, IssuerConfig, JwtConfig } from './schema.ts';
import type { AuthServices } from './services.ts';

const MIN_HMAC_SECRET_BYTES = 32;

// One set of authenticators per loaded auth config (and services): JWKS caches are shared by every
// route, and a reload, which loads a new frozen config, gets fresh ones.
const built = new WeakMap<object, WeakMap<object, Map<string, Authenticator>>>();
const NO_SERVICES = {};

/** The authenticators of an `auth` section, by security scheme name; built once per config. */
export function authenticatorsFor(
  auth: Readonly<AuthConfig>,
  services: AuthServices | undefined,
): ReadonlyMap<string, Authenticator> {
  let byServices = built.get(auth);
  if (byServices === undefined) {
    byServices = new WeakMap();
    built.set(auth, byServices);
  }
  const key = services ?? NO_SERVICES;
  let map = byServices.get(key);
  if (map === undefined) {
    map = buildAuthenticators(auth, services);
    byServices.set(key, map);
  }
  return map;
}

function buildAuthenticators(
  auth: Readonly<AuthConfig>,
  services: AuthServices | undefined,
): Map<string, Authenticator> {
  const out = new Map<string, Authenticator>();
  const add = (name: string, a: Authenticator) => {
    if (out.has(name)) {
      throw new ConfigError(`security scheme "${name}" is configured twice`, {
        key: `auth.*.${name}`,
        hint: 'a scheme name belongs to one of apiKeys, jwt, introspection, mtls',
      });
    }
    out.set(name, a);
  };
  const baseDir = services?.baseDir ?? process.cwd();
  for (const [name, cfg] of Object.entries(auth.apiKeys)) {
    if (auth.pepper === undefined) {
      throw new ConfigError('API keys need auth.pepper', {
        key: `auth.apiKeys.${name}`,
        hint: 'pepper: ${RAMPART_PEPPER} with at least 32 random bytes in the variable',
      });
    }
    add(name, apiKeyAuthenticator(name, cfg.header, cfg.queryParam, services?.keys, cfg.forward));
  }
  for (const [name, cfg] of Object.entries(auth.jwt)) {
    add(
      name,
      jwtAuthenticator(name, createJwtVerifier(jwtSettings(name, cfg, baseDir, services)), cfg.forward),
    );
  }
  for (const [name, cfg] of Object.entries(auth.introspection)) {
    add(name, introspectionAuthenticator(name, cfg));
  }
  for (const [name, cfg] of Object.entries(auth.mtls)) {
    add(name, mtlsAuthenticator(name, cfg.consumerFrom, cfg.roles, cfg.scopes));
  }
  return out;
}

function jwtSettings(
  name: string,
  cfg: Readonly<JwtConfig>,
  baseDir: string,
  services: AuthServices | undefined,
) {
  const issuers: JwtIssuer[] = [];
  const seen = new Set<string | undefined>();
  for (const [i, iss] of cfg.issuers.entries()) {
    const key = `auth.jwt.${name}.issuers.${i}`;
    if (seen.has(iss.issuer)) throw new ConfigError('two issuers with the same issuer value', { key });
    seen.add(iss.issuer);
    if (iss.issuer === undefined && cfg.issuers.length > 1) {
      throw new ConfigError('an issuer without `issuer` must be the only one', {
        key,
        hint: 'set issuer: to the iss claim value',
      });
    }
    issuers.push({
      issuer: iss.issuer,
      audience: iss.audience,
      algorithms: iss.algorithms,
      keys: keySource(iss, key, baseDir),
      ...(iss.certificateBound === true ? { certificateBound: true } : {}),
    });
  }
  return {
    issuers,
    clockSkewSeconds: cfg.clockSkewSeconds,
    maxLifetimeSeconds: cfg.maxLifetimeSeconds,
    requiredClaims: cfg.requiredClaims,
    claims: cfg.claims,
    revocations: services?.revocations,
    ...(cfg.issuedThrough === undefined ? {} : { issued: issuedChecker(services?.state) }),
  };
}

function keySource(iss: Readonly<IssuerConfig>, key: string, baseDir: string): KeySource {
  const hmac = iss.algorithms.filter(isHmacAlgorithm);
  const sources = [iss.jwksUrl, iss.keyFiles, iss.secret].filter((s) => s !== undefined).length;
  if (sources !== 1) {
    throw new ConfigError('an issuer needs exactly one of jwksUrl, keyFiles, secret', { key });
  }
  // An issuer is either HMAC or public-key, never both: this is what makes HS/RS confusion impossible.
  if (iss.secret !== undefined) {
    if (hmac.length !== iss.algorithms.length) {
      throw new ConfigError('a secret verifies only HS256/HS384/HS512', { key: `${key}.algorithms` });
    }
    const secret = new TextEncoder().encode(iss.secret);
    if (secret.byteLength < MIN_HMAC_SECRET_BYTES && !iss.allowWeakSecret) {
      throw new ConfigError(`the HMAC secret is shorter than ${MIN_HMAC_SECRET_BYTES} bytes`, {
        key: `${key}.secret`,
        hint: 'use a long random secret from the environment (allowWeakSecret: true is for demos only)',
      });
    }
    return { kind: 'secret', secret };
  }
  if (hmac.length > 0) {
    throw new ConfigError('HS* algorithms need a secret; a public key must never be used as one', {
      key: `${key}.algorithms`,
    });
  }
  if (iss.jwksUrl !== undefined) {
    const cache = new JwksCache(iss.jwksUrl, { maxAgeMs: iss.jwksMaxAgeMs, cooldownMs: iss.jwksCooldownMs });
    return { kind: 'remote', getKey: cache.getKey };
  }
  const texts = (iss.keyFiles ?? []).map((f) => {
    try {
      return readFileSync(isAbsolute(f) ? f : resolve(baseDir, f), 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read key file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        key: `${key}.keyFiles`,
      });
    }
  });
  try {
    return staticKeySource(texts);
  } catch {
    throw new ConfigError('a key file holds no usable public key (PEM or JWK)', { key: `${key}.keyFiles` });
  }
}
