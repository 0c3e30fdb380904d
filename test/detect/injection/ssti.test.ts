import { test } from 'node:test';
import { assertClean, assertDetected } from './helpers.ts';

test('ssti: expressions in every template syntax', () => {
  assertDetected('ssti', [
    '{{7*7}}',
    "{{3*'3'}}",
    '${7*7}',
    '#{7*7}',
    '*{7*7}',
    '<%= 7 * 7 %>',
    '@(6+5)',
    '{{config.items()}}',
    '{{ request }}',
    '{{self}}',
    "{{''.__class__.__mro__[2].__subclasses__()}}",
    "{{request|attr('application')}}",
    '{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}',
    '${T(java.lang.Runtime).getRuntime().exec("id")}',
    '<#assign ex = "freemarker.template.utility.Execute"?new()>${ ex("id")}',
    '{php}echo `id`;{/php}',
    '{$smarty.version}',
    '%7B%7B7*7%7D%7D',
  ]);
});

test('ssti: placeholders and braces in prose stay clean', () => {
  assertClean([
    '{{username}} placeholder in email template docs',
    'Hello {{ user.first_name }}, your order shipped',
    '{{#items}}{{name}}{{/items}}',
    '${HOME} variable in shell docs',
    '{"nested": {"ok": true}}',
    '[[1, 2], [3, 4]]',
    'costs {5} units',
    '#{hashtag}',
  ]);
});
