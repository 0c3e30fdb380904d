import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  csrfMatches,
  SESSION_IDLE_MS,
  SESSION_MAX_AGE_MS,
  SessionStore,
  sessionCookie,
  sessionIdFrom,
} from '../../src/platform/admin-session.ts';

describe('SessionStore', () => {
  test('a session lives until it idles out or reaches its maximum age', () => {
    let now = 1_000_000;
    const store = new SessionStore(() => now);
    const { id } = store.create();
    now += SESSION_IDLE_MS - 1;
    assert.ok(store.get(id), 'used just before idling out');
    now += SESSION_IDLE_MS - 1;
    assert.ok(store.get(id), 'each use restarts the idle clock');
    now += SESSION_IDLE_MS;
    assert.equal(store.get(id), undefined, 'idle too long');
    const second = store.create();
    for (let t = 0; t < SESSION_MAX_AGE_MS; t += SESSION_IDLE_MS / 2) {
      now += SESSION_IDLE_MS / 2;
      store.get(second.id);
    }
    assert.equal(store.get(second.id), undefined, 'past the maximum age, however busy');
  });

  test('ids are unguessable and sessions end on delete; an unknown id finds nothing', () => {
    const store = new SessionStore();
    const a = store.create();
    const b = store.create();
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.session.csrf, b.session.csrf);
    assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
    store.delete(a.id);
    assert.equal(store.get(a.id), undefined);
    assert.ok(store.get(b.id));
    assert.equal(store.get('x'.repeat(43)), undefined);
  });

  test('the CSRF check wants exactly the session token', () => {
    const { session } = new SessionStore().create();
    assert.equal(csrfMatches(session, session.csrf), true);
    assert.equal(csrfMatches(session, undefined), false);
    assert.equal(csrfMatches(session, `${session.csrf}x`), false);
    assert.equal(csrfMatches(session, [session.csrf]), false);
  });
});

describe('session cookie', () => {
  test('the cookie is Secure, HttpOnly and SameSite=Strict, and is read back from a Cookie header', () => {
    const id = 'a'.repeat(43);
    const set = sessionCookie(id);
    assert.match(set, /^rampart_session=a{43}; Path=\/; Max-Age=28800; Secure; HttpOnly; SameSite=Strict$/);
    assert.equal(sessionIdFrom(`theme=dark; rampart_session=${id}; x=1`), id);
    assert.equal(sessionIdFrom('rampart_session=short'), undefined);
    assert.equal(sessionIdFrom(undefined), undefined);
    assert.equal(sessionIdFrom(`rampart_session=${id};${' '.repeat(9000)}`), undefined);
  });
});
