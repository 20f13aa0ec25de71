import { useState } from 'preact/hooks';
import { api, when } from './api.js';
import { ActionMessage, Loading, Notice, useAction, useLoad } from './ui.js';

interface Lockout {
  kind: 'user' | 'ip';
  subject: string;
  failures: number;
  lockedUntil: string;
}

const path = (name: string) => encodeURIComponent(name.trim());

/**
 * Sets or removes a person's password for /authenticate (AUTH_VERIFIER=local) through
 * PUT/DELETE /api/v1/auth/passwords/{username}. The password is typed twice, never shown back,
 * and both fields are emptied after every attempt; a mismatch is refused here, without a call.
 */
export function PasswordPanel() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [mustChange, setMustChange] = useState(false);
  const action = useAction();
  const forget = () => {
    setPassword('');
    setAgain('');
  };
  return (
    <section aria-labelledby="passwords-title" class="panel">
      <h2 id="passwords-title">Passwords</h2>
      <p id="passwords-help">Passwords for OMFLOW logins checked by the bridge (AUTH_VERIFIER=local). Only their hash is kept.</p>
      <form
        aria-describedby="passwords-help"
        onSubmit={(e) => {
          e.preventDefault();
          const typed = password;
          const confirmed = again;
          forget();
          void action.run(async () => {
            if (typed !== confirmed) throw new Error('The two passwords differ: nothing was changed. Type the new password twice.');
            const set = await api<{ username: string; created: boolean; mustChange: boolean }>('PUT', `/api/v1/auth/passwords/${path(username)}`, {
              password: typed,
              mustChange,
            });
            return `Password ${set.created ? 'set' : 'replaced'} for ${set.username}${set.mustChange ? ' (to be changed at the next login)' : ''}.`;
          });
        }}
      >
        <label class="block">
          Username{' '}
          <input
            type="text"
            name="password-username"
            autocomplete="off"
            spellcheck={false}
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="block">
          New password <input type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <label class="block">
          Confirm new password <input type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={mustChange} onChange={(e) => setMustChange(e.currentTarget.checked)} /> Must be changed at the next login
        </label>{' '}
        <button type="submit" disabled={action.busy}>
          Set password
        </button>{' '}
        <button
          type="button"
          disabled={action.busy || !username.trim()}
          onClick={() => {
            forget();
            void action.run(async () => {
              const gone = await api<{ username: string; removed: boolean }>('DELETE', `/api/v1/auth/passwords/${path(username)}`);
              return gone.removed ? `Password removed for ${gone.username}: they can no longer log in with it.` : `${gone.username} had no password.`;
            });
          }}
        >
          Remove password
        </button>
      </form>
      <ActionMessage message={action.message} />
    </section>
  );
}

/** The lockouts in force, each with its Unlock button, and unlocking a username by its name. */
export function LockoutsPanel() {
  const lockouts = useLoad(() => api<{ items: Lockout[]; total: number }>('GET', '/api/v1/auth/lockouts?limit=200'), []);
  const [username, setUsername] = useState('');
  const action = useAction();
  const clear = (kind: 'user' | 'ip', subject: string) =>
    action.run(async () => {
      const done = await api<{ subject: string; cleared: boolean }>('DELETE', `/api/v1/auth/lockouts/${kind === 'user' ? 'users' : 'ips'}/${path(subject)}`);
      lockouts.reload();
      return done.cleared ? `Unlocked ${done.subject}.` : `${done.subject} was not locked.`;
    });
  return (
    <section aria-labelledby="lockouts-title">
      <h2 id="lockouts-title">Lockouts</h2>
      {!lockouts.data ? (
        <Loading error={lockouts.error} />
      ) : lockouts.data.items.length === 0 ? (
        <p>No username or source IP is locked.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Lockouts in force</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Subject</th>
              <th scope="col">Failures</th>
              <th scope="col">Locked until</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {lockouts.data.items.map((l) => (
              <tr key={`${l.kind}:${l.subject}`}>
                <td>{l.kind === 'user' ? 'username' : 'source IP'}</td>
                <td>{l.subject}</td>
                <td>{l.failures}</td>
                <td>{when(l.lockedUntil)}</td>
                <td>
                  {l.subject.startsWith('sha256:') ? (
                    'unlock by name below'
                  ) : (
                    <button type="button" disabled={action.busy} onClick={() => void clear(l.kind, l.subject)}>
                      Unlock {l.subject}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="panel"
        aria-label="Unlock a username"
        onSubmit={(e) => {
          e.preventDefault();
          void clear('user', username);
        }}
      >
        <label class="block">
          Username to unlock{' '}
          <input type="text" autocomplete="off" spellcheck={false} required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={action.busy}>
          Unlock username
        </button>
      </form>
      <ActionMessage message={action.message} />
      <Notice kind="info">A username nobody holds is listed as sha256:… (often a password typed as a username); unlock it by the name.</Notice>
    </section>
  );
}
