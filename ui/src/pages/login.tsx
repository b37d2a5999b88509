// Logging in: a local account's user name and password (POST /session with session "cookie":
// the server sets an HttpOnly cookie and answers who we are plus the CSRF token), or single
// sign-on when the server has it configured (a full-page trip through the identity provider that
// comes back to / with the session cookie set). A slowed login (429) shows the server's message.
import { useState } from "preact/hooks";
import { ApiRequestError, logIn, SSO_LOGIN_URL, type WhoAmI } from "../api.ts";

export function LoginPage({ sso, onLoggedIn }: { sso: boolean; onLoggedIn: (who: WhoAmI) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLoggedIn(await logIn(username, password));
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : `could not reach the server: ${String(err)}`);
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Mooring</h1>
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error === undefined ? null : (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        {sso ? (
          <a class="button secondary" href={SSO_LOGIN_URL}>
            Log in with single sign-on
          </a>
        ) : null}
      </form>
    </main>
  );
}
