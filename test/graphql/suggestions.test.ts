import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripSuggestion, stripSuggestions } from '../../src/graphql/suggestions.ts';

test('graphql-js suggestion wordings are removed, the rest of the message kept', () => {
  assert.equal(
    stripSuggestion('Cannot query field "nam" on type "User". Did you mean "name"?'),
    'Cannot query field "nam" on type "User".',
  );
  assert.equal(
    stripSuggestion('Unknown argument "fist" on field "Query.users". Did you mean "first"? Also: x'),
    'Unknown argument "fist" on field "Query.users". Also: x',
  );
  assert.equal(
    stripSuggestion('Value "ADMN" does not exist. Did you mean the enum value "ADMIN", "AUDIT", or "OPS"?'),
    'Value "ADMN" does not exist.',
  );
  assert.equal(stripSuggestion('no suggestion here'), 'no suggestion here');
  assert.equal(stripSuggestion('trailing Did you mean "x" without end'), 'trailing');
});

test('a response is rewritten only when an error carried a suggestion; batches too', () => {
  assert.equal(stripSuggestions({ data: { a: 1 } }), undefined);
  assert.equal(stripSuggestions({ errors: [{ message: 'plain' }] }), undefined);
  assert.deepEqual(stripSuggestions({ errors: [{ message: 'Bad "x". Did you mean "y"?', locations: [] }] }), {
    errors: [{ message: 'Bad "x".', locations: [] }],
  });
  assert.deepEqual(stripSuggestions([{ data: {} }, { errors: [{ message: 'Did you mean "y"?' }] }]), [
    { data: {} },
    { errors: [{ message: '' }] },
  ]);
});

test('linear on adversarial messages: many marks and no question mark', () => {
  const m = 'Did you mean '.repeat(100_000);
  assert.equal(stripSuggestion(m), '');
});
