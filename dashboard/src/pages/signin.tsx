import { useState } from 'preact/hooks';
import { type Api, ApiError, describeError } from '../api.ts';
import type { Session } from '../api-types.ts';

/** The sign-in form: exchanges an admin token (from admin.tokens) for a session cookie. */
export function SignInPage({ api, onSignedIn }: { api: Api; onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="signin">
      <form
        class="card"
        aria-labelledby="h-signin"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            const s = await api.call('signIn', { body: { token } });
            setToken('');
            onSignedIn(s);
          } catch (err) {
            setError(
              err instanceof ApiError && err.status === 401
                ? 'That token is not one of admin.tokens.'
                : describeError(err),
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="h-signin">Rampart</h1>
        <p class="muted">
          Sign in with an admin token (one of <code>admin.tokens</code>).
        </p>
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          maxLength={128}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby={error === null ? undefined : 'signin-error'}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error !== null && (
          <p id="signin-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
