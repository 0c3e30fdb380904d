/** 1 MB inputs built to make naive matchers backtrack or rescan; shared by the test and bench. */
export const ADVERSARIAL_SIZE = 1_000_000;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(ADVERSARIAL_SIZE / unit.length)).slice(0, ADVERSARIAL_SIZE);
}

/** Name → 1 MB value. */
export function adversarialInputs(): ReadonlyMap<string, string> {
  const half = ADVERSARIAL_SIZE / 2;
  return new Map([
    ['single quotes', fill("'")],
    ['double quotes', fill('"')],
    ['mixed quotes', fill('\'"')],
    ['nested parentheses', `${'('.repeat(half)}${')'.repeat(half)}`],
    ['open parentheses', fill('(')],
    ['repeated <', fill('<')],
    ['repeated <a ', fill('<a ')],
    ['repeated <a on', fill('<a on')],
    ['%25 chains', fill('%25')],
    ['%2525 chains', fill('%2525')],
    ['HTML entity chains', fill('&#')],
    ['repeated {{', fill('{{')],
    ['repeated ${', fill('${')],
    ['repeated <%', fill('<%')],
    ['repeated <!entity', fill('<!entity ')],
    ['repeated ../', fill('../')],
    ['repeated ..', fill('..')],
    ['repeated ;', fill(';')],
    ['repeated ; a', fill('; a')],
    ['repeated |', fill('|')],
    ['repeated http://', fill('http://')],
    ['repeated :', fill(':')],
    ["repeated ' or", fill("' or ")],
    ['repeated /*', fill('/*')],
    ['repeated --', fill('--')],
    ['repeated $', fill('$')],
    ['repeated [$ne]', fill('[$ne]')],
    ['repeated )(', fill(')(')],
    ['repeated this.', fill('this.')],
    ['repeated ||', fill('|| ')],
    ['spaces', fill(' ')],
    ['letters', fill('a')],
    ['fullwidth', fill('＜')],
    ['repeated \\n', fill('\\n')],
    ['repeated 0x', fill('0x')],
    ['repeated @@', fill('@@')],
    ['repeated on=', fill(' onx=')],
  ]);
}
