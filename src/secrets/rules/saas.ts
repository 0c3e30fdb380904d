import { shannonEntropy } from '../entropy.ts';
import { verifyRampartKeyChecksum } from '../rampart-key.ts';
import type { SecretRule } from '../types.ts';
import { exampleCheck, findWithRegex } from './match.ts';

/** Slack tokens: `xox[abprs]-` + dash-separated numeric ids + a random tail. */
export const slackToken: SecretRule = {
  id: 'slack-token',
  title: 'Slack token',
  description: 'A Slack bot (xoxb-), user (xoxp-), app (xoxa-), refresh (xoxr-) or legacy (xoxs-) token.',
  confidence: 'high',
  keywords: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_-])xox[abprs]-[0-9]{1,15}(?:-[0-9A-Za-z]{1,64}){1,4}(?![A-Za-z0-9_-])/dg,
      confidence: 'high',
      check: (s) => {
        const tail = s.slice(s.lastIndexOf('-') + 1);
        if (s.length < 30 || tail.length < 20 || shannonEntropy(tail) < 3) return false;
        return exampleCheck(s);
      },
    }),
};

/** Slack incoming-webhook and workflow URLs: anyone holding one can post to the channel. */
export const slackWebhook: SecretRule = {
  id: 'slack-webhook',
  title: 'Slack webhook URL',
  description: 'A Slack incoming webhook or workflow trigger URL (hooks.slack.com/…). It posts to a channel.',
  confidence: 'high',
  keywords: ['hooks.slack.com'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/]{20,160}/dg,
      confidence: 'high',
      check: (s) => {
        const tail = s.slice(s.lastIndexOf('/') + 1);
        if (tail.length < 16 || shannonEntropy(tail) < 3) return false;
        return exampleCheck(s);
      },
    }),
};

/** Stripe live secret (`sk_live_`) and restricted (`rk_live_`) keys. */
export const stripeSecretKey: SecretRule = {
  id: 'stripe-secret-key',
  title: 'Stripe live secret key',
  description:
    'A Stripe live-mode secret (sk_live_) or restricted (rk_live_) key. An rk_live_ key of exactly 38 ' +
    'characters is Rampart’s own key format and is left to the rampart-api-key rule.',
  confidence: 'high',
  keywords: ['sk_live_', 'rk_live_'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_live_([0-9A-Za-z]{24,247})(?![A-Za-z0-9_])/dg,
      confidence: 'high',
      check: (s, m) => {
        if (s.startsWith('rk_') && m[1]?.length === 38) return false;
        return exampleCheck(s);
      },
    }),
};

/** Rampart API keys: `rk_live_` / `rk_test_` + 32 base62 + 6-character base62 CRC32 (verified). */
export const rampartApiKey: SecretRule = {
  id: 'rampart-api-key',
  title: 'Rampart API key',
  description:
    'A Rampart gateway API key (rk_live_ / rk_test_) with a valid CRC32 checksum. Test keys are medium ' +
    'confidence, live keys high.',
  confidence: 'high',
  keywords: ['rk_live_', 'rk_test_'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])rk_(?:live|test)_[0-9A-Za-z]{38}(?![A-Za-z0-9_])/dg,
      confidence: 'high',
      check: (s) => {
        if (!verifyRampartKeyChecksum(s)) return false;
        return s.startsWith('rk_test_') ? { confidence: 'medium', note: 'test-mode key' } : true;
      },
    }),
};

/** Twilio API key SIDs (`SK` + 32 hex); the secret is elsewhere, so medium confidence. */
export const twilioApiKey: SecretRule = {
  id: 'twilio-api-key',
  title: 'Twilio API key',
  description: 'A Twilio API key SID (SK + 32 hex digits), usually next to its secret.',
  confidence: 'medium',
  keywords: ['SK'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])SK[0-9a-f]{32}(?![A-Za-z0-9_])/dg,
      confidence: 'medium',
      check: (s) => shannonEntropy(s.slice(2)) >= 3.2,
    }),
};

/** Twilio auth tokens: 32 hex digits assigned to a twilio…token/secret name. */
export const twilioAuthToken: SecretRule = {
  id: 'twilio-auth-token',
  title: 'Twilio auth token',
  description: 'A Twilio account auth token (32 hex digits) assigned to a twilio…token or …secret name.',
  confidence: 'high',
  keywords: ['twilio', 'TWILIO', 'Twilio'],
  find: (text) =>
    findWithRegex(text, {
      pattern:
        /twilio[A-Za-z0-9_.-]{0,24}(?:token|secret)["'\]]{0,3}[ \t]{0,5}(?::=|=>|=|:)[ \t]{0,5}["'`]?([0-9a-f]{32})(?![A-Za-z0-9_])/dgi,
      group: 1,
      confidence: 'high',
      check: (s) => shannonEntropy(s) >= 3.2,
    }),
};

/** SendGrid API keys: `SG.` + 22 + `.` + 43 base64url characters. */
export const sendgridApiKey: SecretRule = {
  id: 'sendgrid-api-key',
  title: 'SendGrid API key',
  description: 'A SendGrid API key (SG.…). It sends mail as the account.',
  confidence: 'high',
  keywords: ['SG.'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/dg,
      confidence: 'high',
      check: exampleCheck,
    }),
};

/** Mailgun API keys: legacy `key-` + 32 hex, or the current 32-8-8 hex private key format. */
export const mailgunApiKey: SecretRule = {
  id: 'mailgun-api-key',
  title: 'Mailgun API key',
  description: 'A Mailgun private API key (key-… or 32-8-8 hex digits).',
  confidence: 'medium',
  keywords: ['key-', 'ailgun', 'AILGUN'],
  find: (text) =>
    findWithRegex(text, {
      pattern:
        /(?<![A-Za-z0-9_-])(?:key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![A-Za-z0-9_-])/dg,
      confidence: 'medium',
      check: (s) => shannonEntropy(s) >= 3.2,
    }),
};
