export { cardIssuer, validCard } from './card.ts';
export {
  blankFeatures,
  classifyText,
  classifyValue,
  type Features,
  type Gate,
  gateOf,
  scannerGate,
  textFeatures,
} from './classify.ts';
export { classifyFieldName, fieldSuggestsHash } from './field-name.ts';
export { ibanChecksumValid, ibanLength } from './iban.ts';
export {
  createJsonMasker,
  type FieldMaskRule,
  type JsonMasker,
  type JsonMaskerRules,
  type JsonMaskResult,
  type MaskJudge,
} from './json-mask.ts';
export { createPseudonymKey, type MaskStrategy, mask, type PseudonymKey } from './mask.ts';
export { bsnValid, dniLetterValid, sinValid } from './national-id.ts';
export { ssnDigitsValid } from './ssn.ts';
export {
  type ClassifyOptions,
  type ClassifyValueOptions,
  SENSITIVE_TYPES,
  type SensitiveMatch,
  type SensitiveType,
} from './types.ts';
