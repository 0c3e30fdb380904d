import type { RuleHit, SecretRule } from '../types.ts';
import { MAX_HITS_PER_RULE } from './match.ts';

const BEGIN = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
/** Longest PEM block looked at: an RSA-8192 key is about 6.5 KB; escaped JSON doubles little. */
const MAX_BLOCK = 32_768;
const OPENSSH_MAGIC = 'openssh-key-v1\0';

function base64Chars(body: string): string {
  // PEM bodies appear raw, or inside JSON/JS strings with literal "\n" escapes and quotes.
  return body
    .replaceAll('\\n', '')
    .replaceAll('\\r', '')
    .replace(/[^A-Za-z0-9+/=]/g, '');
}

/** Reads the cipher name of an OpenSSH private key: `none` means unencrypted. */
function opensshCipher(b64: string): string | null {
  const bytes = Buffer.from(b64.slice(0, 200), 'base64');
  if (bytes.toString('latin1', 0, OPENSSH_MAGIC.length) !== OPENSSH_MAGIC) return null;
  const at = OPENSSH_MAGIC.length;
  if (bytes.length < at + 4) return null;
  const len = bytes.readUInt32BE(at);
  if (len > 64 || bytes.length < at + 4 + len) return null;
  return bytes.toString('latin1', at + 4, at + 4 + len);
}

/** PEM (PKCS#1, PKCS#8, SEC1, PGP) and OpenSSH private key blocks with a real base64 body. */
export const privateKey: SecretRule = {
  id: 'private-key',
  title: 'Private key',
  description:
    'A PEM or OpenSSH private key block (-----BEGIN … PRIVATE KEY-----) with a base64 body. Encrypted ' +
    'keys are reported at medium confidence.',
  confidence: 'high',
  keywords: ['-----BEGIN '],
  find(text) {
    const hits: RuleHit[] = [];
    const re = new RegExp(BEGIN.source, 'g');
    // Cursors over the next BEGIN and END markers only move forward, so the whole search is linear even
    // on text made of nothing but markers.
    let nextEnd = -1;
    let nextBegin = -1;
    let m = re.exec(text);
    while (m !== null && hits.length < MAX_HITS_PER_RULE) {
      const label = m[1] ?? '';
      const bodyStart = m.index + m[0].length;
      if (nextEnd < bodyStart) nextEnd = text.indexOf('-----END ', bodyStart);
      if (nextEnd === -1) break;
      if (nextBegin < bodyStart) nextBegin = text.indexOf('-----BEGIN ', bodyStart);
      const endMarker = `-----END ${label}-----`;
      const closed = (nextBegin === -1 || nextBegin > nextEnd) && nextEnd - bodyStart <= MAX_BLOCK;
      if (closed && text.startsWith(endMarker, nextEnd)) {
        const body = text.slice(bodyStart, nextEnd);
        const b64 = base64Chars(body);
        const meaningful = body.replaceAll('\\n', '').replace(/[\s"'+,]/g, '').length;
        if (b64.length >= 64 && b64.length >= meaningful * 0.8) {
          const end = nextEnd + endMarker.length;
          let encrypted = label.startsWith('ENCRYPTED') || body.includes('Proc-Type: 4,ENCRYPTED');
          if (label === 'OPENSSH PRIVATE KEY') {
            const cipher = opensshCipher(b64);
            if (cipher !== null && cipher !== 'none') encrypted = true;
          }
          hits.push({
            start: m.index,
            end,
            secret: text.slice(m.index, end),
            confidence: encrypted ? 'medium' : 'high',
            ...(encrypted ? { note: 'encrypted key' } : {}),
          });
          re.lastIndex = end;
        }
      }
      m = re.exec(text);
    }
    return hits;
  },
};

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,2000}\.[A-Za-z0-9_-]{2,8000}\.[A-Za-z0-9_-]{0,2000}/g;

function headerHasAlg(segment: string): boolean {
  const decoded = Buffer.from(segment, 'base64url').toString('utf8');
  // Cheap test first: most look-alikes fail here without the cost of a JSON.parse exception.
  if (!decoded.includes('"alg"')) return false;
  try {
    const header: unknown = JSON.parse(decoded);
    return (
      typeof header === 'object' &&
      header !== null &&
      typeof (header as Record<string, unknown>).alg === 'string'
    );
  } catch {
    return false;
  }
}

function payloadIsJson(segment: string): boolean {
  try {
    const payload: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null;
  } catch {
    return false;
  }
}

/** JSON Web Tokens: three base64url segments whose header decodes to JSON with an `alg`. */
export const jwt: SecretRule = {
  id: 'jwt',
  title: 'JSON Web Token',
  description:
    'A JWT whose header decodes to JSON with an "alg" and whose payload decodes to JSON. It may be a ' +
    'live bearer token; unsigned (alg none) tokens are low confidence.',
  confidence: 'medium',
  keywords: ['eyJ'],
  find(text) {
    const hits: RuleHit[] = [];
    const re = new RegExp(JWT.source, 'g');
    let m = re.exec(text);
    while (m !== null && hits.length < MAX_HITS_PER_RULE) {
      const [header = '', payload = '', signature = ''] = m[0].split('.');
      if (headerHasAlg(header) && payloadIsJson(payload)) {
        const unsigned = signature.length < 16;
        hits.push({
          start: m.index,
          end: m.index + m[0].length,
          secret: m[0],
          confidence: unsigned ? 'low' : 'medium',
          ...(unsigned ? { note: 'unsigned token' } : {}),
        });
      }
      m = re.exec(text);
    }
    return hits;
  },
};
