import { useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';

import { useChangePassword } from '../api/change-password';

import { NewPasswordFields } from './new-password-fields';

export function ChangePasswordForm() {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useChangePassword({
    mutationConfig: {
      onSuccess: () => {
        setCurrent('');
        setPassword('');
        setRepeat('');
      },
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    change.mutate({ current_password: current, new_password: password });
  };

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="change-password-title">
      <h2 id="change-password-title">Change your password</h2>
      {change.error ? <ErrorMessage error={change.error} /> : null}
      {change.isSuccess ? (
        <p className="alert alert--success" role="status">
          Your password is changed. You stay signed in here; every other session has ended.
        </p>
      ) : null}
      <div className="field">
        <label htmlFor="change-password-current">Current password</label>
        <input
          id="change-password-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </div>
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
        <button type="submit" className="button button--primary" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
