import type { SecretRule } from '../types.ts';
import {
  awsAccessKeyId,
  awsSecretAccessKey,
  azureStorageKey,
  gcpApiKey,
  gcpServiceAccountKey,
} from './cloud.ts';
import { jwt, privateKey } from './crypto.ts';
import { githubFineGrainedToken, githubToken, gitlabToken, npmToken } from './forge.ts';
import { databaseUrl, genericSecret } from './generic.ts';
import {
  mailgunApiKey,
  rampartApiKey,
  sendgridApiKey,
  slackToken,
  slackWebhook,
  stripeSecretKey,
  twilioApiKey,
  twilioAuthToken,
} from './saas.ts';

/**
 * Every rule, most specific first: when two hits overlap, the earlier rule's hit is kept (a GitHub token
 * assigned to `token = "…"` is reported as github-token, not generic-secret).
 */
export const RULES: readonly SecretRule[] = Object.freeze([
  gcpServiceAccountKey,
  privateKey,
  rampartApiKey,
  githubToken,
  githubFineGrainedToken,
  gitlabToken,
  npmToken,
  awsAccessKeyId,
  awsSecretAccessKey,
  gcpApiKey,
  azureStorageKey,
  slackToken,
  slackWebhook,
  stripeSecretKey,
  twilioAuthToken,
  twilioApiKey,
  sendgridApiKey,
  mailgunApiKey,
  jwt,
  databaseUrl,
  genericSecret,
]);

/** Looks a rule up by id. */
export function ruleById(id: string): SecretRule | undefined {
  return RULES.find((r) => r.id === id);
}
