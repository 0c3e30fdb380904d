import { match, type SensitiveMatch } from './types.ts';

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const MAX_LABEL = 40;
const MAX_BLOCK = 65536;
const DETAILS: ReadonlyMap<string, string> = new Map([
  ['PRIVATE KEY', 'pkcs8'],
  ['RSA PRIVATE KEY', 'rsa'],
  ['EC PRIVATE KEY', 'ec'],
  ['DSA PRIVATE KEY', 'dsa'],
  ['OPENSSH PRIVATE KEY', 'openssh'],
  ['ENCRYPTED PRIVATE KEY', 'encrypted'],
  ['ANY PRIVATE KEY', 'pkcs8'],
  ['PGP PRIVATE KEY BLOCK', 'pgp'],
]);

function isBodyChar(c: number): boolean {
  // base64, whitespace, PEM headers ('Proc-Type: 4,ENCRYPTED') and JSON-escaped newlines ('\n').
  return c !== 45 && c >= 9 && c < 127;
}

/** Finds PEM/OpenSSH/PGP private key blocks, including truncated ones (a header and a body). */
export function scanPrivateKeys(text: string, out: SensitiveMatch[]): void {
  // The END search is shared between BEGIN headers so that many headers stay linear.
  let endAt = -2;
  for (let b = text.indexOf(BEGIN); b !== -1; b = text.indexOf(BEGIN, b + 1)) {
    const labelStart = b + BEGIN.length;
    const close = text.indexOf('-----', labelStart);
    if (close === -1) return;
    if (close - labelStart > MAX_LABEL) continue;
    const label = text.slice(labelStart, close);
    const detail = DETAILS.get(label);
    if (detail === undefined) continue;
    const bodyStart = close + 5;
    if (endAt !== -1 && endAt < bodyStart) endAt = text.indexOf(END, bodyStart);
    let end: number;
    let confidence = 0.99;
    if (endAt !== -1 && endAt - bodyStart <= MAX_BLOCK && text.startsWith(`${END}${label}-----`, endAt)) {
      end = endAt + END.length + label.length + 5;
    } else {
      // Truncated block: the body up to the first char that cannot belong to it.
      end = bodyStart;
      while (end < text.length && end - bodyStart < MAX_BLOCK && isBodyChar(text.charCodeAt(end))) end++;
      while (end > bodyStart && text.charCodeAt(end - 1) <= 32) end--;
      confidence = 0.9;
    }
    out.push(match('private_key', confidence, b, end, detail));
    b = end - 1;
  }
}
