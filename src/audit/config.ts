import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatLocation, OpenApiError, type SourceLocation } from '../openapi/errors.ts';
import { joinPointer } from '../openapi/pointer.ts';
import { parseSource, type SourceFile } from '../openapi/source.ts';
import { isObject } from './context.ts';
import { isSeverity, type Severity } from './types.ts';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** A rule's setting in the config file. */
export interface RuleSetting {
  readonly enabled: boolean;
  readonly severity: Severity | undefined;
}

/**
 * The audit config file (YAML or JSON):
 * ```yaml
 * rules:
 *   inventory.operation-id-missing: off        # disable
 *   schema.string-unbounded: high              # change the severity
 *   ratelimit.headers-missing: { enabled: true, severity: info }
 * failOn: high        # default for --fail-on
 * minScore: 80        # default for --min-score
 * ```
 */
export interface AuditConfig {
  readonly file: string | undefined;
  readonly rules: ReadonlyMap<string, RuleSetting>;
  readonly failOn: Severity | undefined;
  readonly minScore: number | undefined;
}

/** A bad audit config file; the message starts with file:line:column. */
export class AuditConfigError extends Error {
  override readonly name = 'AuditConfigError';
  readonly location: SourceLocation | undefined;
  constructor(message: string, location: SourceLocation | undefined) {
    super(message);
    this.location = location;
  }
}

/** An empty config: every rule on at its own severity. */
export const DEFAULT_AUDIT_CONFIG: AuditConfig = Object.freeze({
  file: undefined,
  rules: new Map(),
  failOn: undefined,
  minScore: undefined,
});

/** Read and check an audit config file against the known rule ids. Throws AuditConfigError. */
export async function loadAuditConfig(file: string, ruleIds: ReadonlySet<string>): Promise<AuditConfig> {
  const path = resolve(file);
  let text: string;
  try {
    if ((await stat(path)).size > MAX_CONFIG_BYTES) {
      throw new AuditConfigError(`${path}: larger than ${MAX_CONFIG_BYTES} bytes`, undefined);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof AuditConfigError) throw err;
    throw new AuditConfigError(
      `${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      undefined,
    );
  }
  return parseAuditConfig(text, path, ruleIds);
}

/** Parse and check audit config text. Throws AuditConfigError. */
export function parseAuditConfig(text: string, file: string, ruleIds: ReadonlySet<string>): AuditConfig {
  let source: SourceFile;
  try {
    source = parseSource(text, file);
  } catch (err) {
    if (err instanceof OpenApiError) throw new AuditConfigError(err.message, err.location);
    throw err;
  }
  const fail = (pointer: string, detail: string): never => {
    const location = source.locate(pointer);
    throw new AuditConfigError(`${location ? formatLocation(location) : file}: ${detail}`, location);
  };
  const value = source.value ?? {};
  if (!isObject(value)) return fail('', 'the audit config must be a mapping');
  for (const key of Object.keys(value)) {
    if (key !== 'rules' && key !== 'failOn' && key !== 'minScore') {
      fail(`/${key}`, `unknown key '${key}' (expected rules, failOn, minScore)`);
    }
  }
  const rules = new Map<string, RuleSetting>();
  if (value.rules !== undefined && value.rules !== null) {
    if (!isObject(value.rules)) fail('/rules', "'rules' must be a mapping of rule id to setting");
    for (const [id, setting] of Object.entries(value.rules as Record<string, unknown>)) {
      const at = joinPointer('/rules', id);
      if (!ruleIds.has(id)) fail(at, `unknown rule '${id}'`);
      rules.set(id, parseSetting(setting, at, fail));
    }
  }
  let failOn: Severity | undefined;
  if (value.failOn !== undefined) {
    if (!isSeverity(value.failOn)) fail('/failOn', 'failOn must be critical, high, medium, low or info');
    failOn = value.failOn as Severity;
  }
  let minScore: number | undefined;
  if (value.minScore !== undefined) {
    const n = value.minScore;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 100) {
      fail('/minScore', 'minScore must be an integer from 0 to 100');
    }
    minScore = n as number;
  }
  return { file, rules, failOn, minScore };
}

function parseSetting(setting: unknown, at: string, fail: (p: string, d: string) => never): RuleSetting {
  // YAML 1.2 reads `off` as a string; `false` is accepted too.
  if (setting === 'off' || setting === false) return { enabled: false, severity: undefined };
  if (setting === 'on' || setting === true) return { enabled: true, severity: undefined };
  if (isSeverity(setting)) return { enabled: true, severity: setting };
  if (isObject(setting)) {
    for (const key of Object.keys(setting)) {
      if (key !== 'enabled' && key !== 'severity')
        fail(joinPointer(at, key), `unknown key '${key}' (expected enabled, severity)`);
    }
    if (setting.enabled !== undefined && typeof setting.enabled !== 'boolean')
      fail(`${at}/enabled`, 'enabled must be true or false');
    if (setting.severity !== undefined && !isSeverity(setting.severity)) {
      fail(`${at}/severity`, 'severity must be critical, high, medium, low or info');
    }
    return { enabled: setting.enabled !== false, severity: setting.severity as Severity | undefined };
  }
  return fail(at, "a rule setting is 'off', a severity, or { enabled, severity }");
}
