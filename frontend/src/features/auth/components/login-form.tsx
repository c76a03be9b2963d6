import { useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import type { User } from '@/lib/api-types';

import { useLogin } from '../api/login';

export function LoginForm({ onSuccess }: { onSuccess: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useLogin({ mutationConfig: { onSuccess: (data) => onSuccess(data.user) } });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ email: email.trim(), password });
  };

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="login-title" noValidate={false}>
      <h1 id="login-title">Sign in to prefhub</h1>
      {login.error ? <ErrorMessage error={login.error} /> : null}
      <div className="field">
        <label htmlFor="login-email">Email</label>
        <input
          id="login-email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <button type="submit" className="button button--primary" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
