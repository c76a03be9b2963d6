import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';

import { useResetPassword } from '../api/reset-password';
import { NewPasswordFields } from '../components/new-password-fields';

/** The token travels in the fragment (`#token=…`), which browsers never send to a server. */
const tokenFrom = (hash: string) => new URLSearchParams(hash.replace(/^#/, '')).get('token');

/** `/reset-password#token=…`: the link an admin hands over; sets a new password once. */
export default function ResetPasswordRoute() {
  const { hash } = useLocation();
  const [token] = useState(() => tokenFrom(hash));
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const reset = useResetPassword();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!token) return;
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    reset.mutate({ token, new_password: password });
  };

  if (!token) {
    return (
      <main className="page page--narrow">
        <h1>Choose a new password</h1>
        <p className="alert alert--error" role="alert">
          This link is incomplete: it carries no reset token. Copy the whole link, or ask an admin for a new one.
        </p>
      </main>
    );
  }
  if (reset.isSuccess) {
    return (
      <main className="page page--narrow">
        <h1>Choose a new password</h1>
        <p className="alert alert--success" role="status">
          Your new password is set, and every earlier session has ended.
        </p>
        <p>
          <Link to="/login" className="button button--primary">
            Sign in
          </Link>
        </p>
      </main>
    );
  }
  return (
    <main className="page page--narrow">
      <form className="form card" onSubmit={onSubmit} aria-labelledby="reset-password-title">
        <h1 id="reset-password-title">Choose a new password</h1>
        {reset.error ? <ErrorMessage error={reset.error} /> : null}
        <NewPasswordFields
          password={password}
          repeat={repeat}
          onPassword={(value) => {
            setPassword(value);
            setMismatch(false);
          }}
          onRepeat={(value) => {
            setRepeat(value);
            setMismatch(false);
          }}
          mismatch={mismatch}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={reset.isPending}>
            {reset.isPending ? 'Setting…' : 'Set password'}
          </button>
        </div>
      </form>
    </main>
  );
}
