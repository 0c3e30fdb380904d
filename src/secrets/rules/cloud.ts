import { charClassCount, shannonEntropy } from '../entropy.ts';
import type { RuleHit, SecretRule } from '../types.ts';
import { exampleCheck, findWithRegex, isDocumentationExample, MAX_HITS_PER_RULE } from './match.ts';

const AWS_ID = /(?<![A-Za-z0-9+/])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9+/])/dg;

/** AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary) + 16 base32 characters. */
export const awsAccessKeyId: SecretRule = {
  id: 'aws-access-key-id',
  title: 'AWS access key id',
  description:
    'An AWS access key id (AKIA… long-term, ASIA… temporary). Alone it identifies a key; next to its ' +
    'secret access key it grants access to the AWS account.',
  confidence: 'high',
  keywords: ['AKIA', 'ASIA'],
  find: (text) => findWithRegex(text, { pattern: AWS_ID, confidence: 'high', check: exampleCheck }),
};

const AWS_SECRET_ASSIGNED =
  /secret[_.-]?(?:access[_.-]?)?key["'\]]{0,3}[ \t]{0,5}(?::=|=>|=|:)[ \t]{0,5}["'`]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi;
const FORTY_BASE64 = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/dg;
/** How far either side of an access key id its secret key is looked for. */
const PAIR_WINDOW = 512;

function looksRandom40(s: string): boolean {
  return charClassCount(s) >= 3 && shannonEntropy(s) >= 4.2;
}

/**
 * AWS secret access keys: 40 base64 characters, either assigned to a `secret…key` name (medium) or within
 * 512 characters of an access key id (the pair: high).
 */
export const awsSecretAccessKey: SecretRule = {
  id: 'aws-secret-access-key',
  title: 'AWS secret access key',
  description:
    'An AWS secret access key: 40 base64 characters, found assigned to a secret-key name or beside an ' +
    'access key id. With the id it signs requests as the key owner.',
  confidence: 'high',
  keywords: ['AKIA', 'ASIA', 'ecret', 'ECRET'],
  find(text) {
    const ids = findWithRegex(text, { pattern: AWS_ID, confidence: 'high' });
    const nearId = (start: number): boolean =>
      ids.some((id) => Math.abs(id.start - start) <= PAIR_WINDOW + 40);
    const hits: RuleHit[] = findWithRegex(text, {
      pattern: AWS_SECRET_ASSIGNED,
      group: 1,
      confidence: 'medium',
      check: (s, m) => {
        if (!looksRandom40(s)) return false;
        if (isDocumentationExample(s)) return { confidence: 'low', note: 'documentation example' };
        return nearId(m.index) ? { confidence: 'high' } : true;
      },
    });
    // Unnamed secrets next to an id, e.g. `new Credentials('AKIA…', 'wJalr…')`: search bounded windows.
    const seen = new Set(hits.map((h) => h.start));
    for (const id of ids.slice(0, 100)) {
      const from = Math.max(0, id.start - PAIR_WINDOW);
      const window = text.slice(from, id.end + PAIR_WINDOW);
      for (const h of findWithRegex(window, { pattern: FORTY_BASE64, confidence: 'high' })) {
        const start = from + h.start;
        if (seen.has(start) || !looksRandom40(h.secret) || hits.length >= MAX_HITS_PER_RULE) continue;
        seen.add(start);
        const example = isDocumentationExample(h.secret);
        hits.push({
          start,
          end: from + h.end,
          secret: h.secret,
          confidence: example ? 'low' : 'high',
          ...(example ? { note: 'documentation example' } : {}),
        });
      }
    }
    return hits;
  },
};

/** Google API keys: `AIza` + 35 characters. */
export const gcpApiKey: SecretRule = {
  id: 'gcp-api-key',
  title: 'Google Cloud API key',
  description: 'A Google Cloud / Firebase / Maps API key (AIza…). Billable calls can be made with it.',
  confidence: 'high',
  keywords: ['AIza'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/dg,
      confidence: 'high',
      check: exampleCheck,
    }),
};

/** GCP service-account JSON: a `private_key` PEM beside `"type": "service_account"`. */
export const gcpServiceAccountKey: SecretRule = {
  id: 'gcp-service-account-key',
  title: 'Google Cloud service-account private key',
  description:
    'A service-account key file (JSON with "type": "service_account" and a private_key PEM). It ' +
    'authenticates as the service account.',
  confidence: 'high',
  keywords: ['service_account'],
  find: (text) =>
    findWithRegex(text, {
      pattern:
        /"private_key"[ \t]{0,5}:[ \t]{0,5}"(-----BEGIN (?:RSA )?PRIVATE KEY-----[A-Za-z0-9+/=\\ \r\n]{100,16000}-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"/dg,
      group: 1,
      confidence: 'high',
    }),
};

/** Azure storage account keys: 88 base64 characters ending in `==`. */
export const azureStorageKey: SecretRule = {
  id: 'azure-storage-key',
  title: 'Azure storage account key',
  description:
    'An Azure storage account key (88 base64 characters ending in ==), in a connection string ' +
    '(AccountKey=…) or assigned to an azure/storage key name. It gives full access to the account.',
  confidence: 'high',
  keywords: ['AccountKey', 'zure', 'ZURE', 'torage', 'TORAGE'],
  find(text) {
    const inConnString = findWithRegex(text, {
      pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/dg,
      group: 1,
      confidence: 'high',
      check: exampleCheck,
    });
    const starts = new Set(inConnString.map((h) => h.start));
    const assigned = findWithRegex(text, {
      pattern:
        /(?:azure|storage)[A-Za-z0-9_.-]{0,30}key["'\]]{0,3}[ \t]{0,5}(?::=|=>|=|:)[ \t]{0,5}["'`]?([A-Za-z0-9+/]{86}==)/dgi,
      group: 1,
      confidence: 'medium',
      check: (s, m) => {
        if ((m.indices?.[1] && starts.has(m.indices[1][0])) || shannonEntropy(s) < 4.5) return false;
        return exampleCheck(s);
      },
    });
    return [...inConnString, ...assigned];
  },
};
