/**
 * File signatures ("magic bytes") of the upload types worth checking: a part that says it is a PNG
 * must start like a PNG. Types not in the table are not checked, except that no declared type but
 * a generic binary one may carry an executable.
 */

interface Signature {
  readonly offset: number;
  readonly bytes: readonly number[];
}

const ascii = (s: string, offset = 0): Signature => ({ offset, bytes: [...s].map((c) => c.charCodeAt(0)) });

const ZIP: readonly Signature[][] = [
  [{ offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] }],
  [{ offset: 0, bytes: [0x50, 0x4b, 0x05, 0x06] }],
];

// Each entry: alternatives, each a list of signatures that must all match.
const TABLE: ReadonlyMap<string, readonly (readonly Signature[])[]> = new Map<
  string,
  readonly (readonly Signature[])[]
>([
  ['image/png', [[{ offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] }]]],
  ['image/jpeg', [[{ offset: 0, bytes: [0xff, 0xd8, 0xff] }]]],
  ['image/gif', [[ascii('GIF87a')], [ascii('GIF89a')]]],
  ['image/webp', [[ascii('RIFF'), ascii('WEBP', 8)]]],
  ['image/bmp', [[ascii('BM')]]],
  [
    'image/tiff',
    [[{ offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00] }], [{ offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] }]],
  ],
  ['application/pdf', [[ascii('%PDF-')]]],
  ['application/zip', ZIP],
  ['application/gzip', [[{ offset: 0, bytes: [0x1f, 0x8b] }]]],
  ['application/x-gzip', [[{ offset: 0, bytes: [0x1f, 0x8b] }]]],
  ['video/mp4', [[ascii('ftyp', 4)]]],
  [
    'audio/mpeg',
    [[ascii('ID3')], [{ offset: 0, bytes: [0xff, 0xfb] }], [{ offset: 0, bytes: [0xff, 0xf3] }]],
  ],
]);

const EXECUTABLES: readonly Signature[] = [
  { offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46] }, // ELF
  { offset: 0, bytes: [0xcf, 0xfa, 0xed, 0xfe] }, // Mach-O 64
  { offset: 0, bytes: [0xca, 0xfe, 0xba, 0xbe] }, // Mach-O fat / Java class
];

// A Windows PE file: "MZ", then at the offset stored at 0x3c, "PE\0\0" (two letters alone are text).
function isPortableExecutable(data: Uint8Array): boolean {
  if (data.length < 64 || data[0] !== 0x4d || data[1] !== 0x5a) return false;
  const at = data[0x3c]! | (data[0x3d]! << 8) | (data[0x3e]! << 16) | (data[0x3f]! << 24);
  return (
    at >= 0 &&
    at + 4 <= data.length &&
    data[at] === 0x50 &&
    data[at + 1] === 0x45 &&
    data[at + 2] === 0 &&
    data[at + 3] === 0
  );
}

// Generic binary types: the client says nothing about the content, so nothing is checked.
const GENERIC = new Set(['application/octet-stream', 'application/x-msdownload', 'application/x-executable']);

function matches(data: Uint8Array, sig: Signature): boolean {
  if (data.length < sig.offset + sig.bytes.length) return false;
  for (let i = 0; i < sig.bytes.length; i++) if (data[sig.offset + i] !== sig.bytes[i]) return false;
  return true;
}

function table(type: string): readonly (readonly Signature[])[] | undefined {
  const direct = TABLE.get(type);
  if (direct !== undefined) return direct;
  // Office Open XML and OpenDocument files are zip archives
  if (
    type.startsWith('application/vnd.openxmlformats-officedocument.') ||
    type.startsWith('application/vnd.oasis.opendocument.')
  )
    return ZIP;
  return undefined;
}

/** Whether the table knows a signature for this media type. */
export function hasSignature(type: string): boolean {
  return table(type) !== undefined;
}

/** Whether `data` may be of the declared media type: its signature matches, or nothing contradicts it. */
export function contentMatchesType(type: string, data: Uint8Array): boolean {
  const alternatives = table(type);
  if (alternatives !== undefined) return alternatives.some((all) => all.every((sig) => matches(data, sig)));
  if (GENERIC.has(type)) return true;
  return !EXECUTABLES.some((sig) => matches(data, sig)) && !isPortableExecutable(data);
}
