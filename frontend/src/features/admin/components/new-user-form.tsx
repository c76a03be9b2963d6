import { useState, type FormEvent } from 'react';

import { isApiError } from '@/lib/api-client';
import type { Role, User } from '@/lib/api-types';

import { useCreateUser } from '../api/create-user';
import { fieldErrors } from '../utils/format';

import { RequestError } from './request-error';
import { ROLE_LABELS } from './users-table';

// Mirrors backend/prefhub/auth/passwords.py; the server judges the rest (common, guessable).
const MIN_PASSWORD_LENGTH = 12;
const ROLES: Role[] = ['annotator', 'researcher', 'admin'];

/** The server's word on one field, next to it. */
function FieldError({ id, message }: { id: string; message: string | null }) {
  return message ? (
    <small id={id} className="field__error" role="alert">
      {message}
    </small>
  ) : null;
}

export function NewUserForm({ onCreated }: { onCreated?: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('annotator');
  const [password, setPassword] = useState('');
  const create = useCreateUser({
    mutationConfig: {
      onSuccess: (user) => {
        setEmail('');
        setDisplayName('');
        setPassword('');
        onCreated?.(user);
      },
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ email: email.trim(), display_name: displayName.trim(), role, password });
  };

  // A refusal is shown at its field for as long as the field holds what was sent.
  const sent = create.variables;
  const refused = fieldErrors(create.error);
  const weak = isApiError(create.error, 'weak_password');
  const taken = isApiError(create.error, 'user_exists');
  const passwordError =
    sent?.password === password ? (weak ? (create.error?.message ?? null) : (refused.password ?? null)) : null;
  const emailError =
    sent?.email === email.trim() ? (taken ? (create.error?.message ?? null) : (refused.email ?? null)) : null;
  const nameError = sent?.display_name === displayName.trim() ? (refused.display_name ?? null) : null;
  // A weak password and a taken e-mail are shown at their field only; the rest also up top.
  const generalError = create.error && !weak && !taken ? create.error : null;

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      {generalError ? <RequestError error={generalError} /> : null}
      {create.isSuccess ? (
        <p className="alert alert--success" role="status">
          Created {create.data.email}. Hand them the password yourself, or issue a reset link so they choose their own.
        </p>
      ) : null}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="new-user-email">E-mail</label>
          <input
            id="new-user-email"
            type="email"
            required
            maxLength={320}
            autoComplete="off"
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? 'new-user-email-error' : undefined}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <FieldError id="new-user-email-error" message={emailError} />
        </div>
        <div className="field">
          <label htmlFor="new-user-name">Display name (optional)</label>
          <input
            id="new-user-name"
            maxLength={200}
            autoComplete="off"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'new-user-name-error' : undefined}
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
          />
          <FieldError id="new-user-name-error" message={nameError} />
        </div>
        <div className="field">
          <label htmlFor="new-user-role">Role</label>
          <select id="new-user-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="new-user-password">Password</label>
          <input
            id="new-user-password"
            type="password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={1024}
            autoComplete="new-password"
            aria-invalid={passwordError ? true : undefined}
            aria-describedby={passwordError ? 'new-user-password-error' : 'new-user-password-help'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {passwordError ? (
            <FieldError id="new-user-password-error" message={passwordError} />
          ) : (
            <small id="new-user-password-help">
              At least {MIN_PASSWORD_LENGTH} characters, not a common or easily guessed one.
            </small>
          )}
        </div>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create user'}
        </button>
      </div>
    </form>
  );
}
