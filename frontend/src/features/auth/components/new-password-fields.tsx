import { useId } from 'react';

// Mirrors backend/prefhub/auth/passwords.py; the server judges the rest (common, guessable).
export const MIN_PASSWORD_LENGTH = 12;

type NewPasswordFieldsProps = {
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  mismatch: boolean;
};

/** A new password typed twice, with the policy in words and a mismatch shown at the field. */
export function NewPasswordFields({ password, repeat, onPassword, onRepeat, mismatch }: NewPasswordFieldsProps) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-new`}>New password</label>
        <input
          id={`${id}-new`}
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          maxLength={1024}
          aria-describedby={`${id}-help`}
          value={password}
          onChange={(e) => onPassword(e.target.value)}
        />
        <small id={`${id}-help`}>
          At least {MIN_PASSWORD_LENGTH} characters, not a common or easily guessed one. A few uncommon words together
          are easy to remember and hard to guess.
        </small>
      </div>
      <div className="field">
        <label htmlFor={`${id}-repeat`}>Repeat the new password</label>
        <input
          id={`${id}-repeat`}
          type="password"
          autoComplete="new-password"
          required
          aria-invalid={mismatch ? true : undefined}
          aria-describedby={mismatch ? `${id}-mismatch` : undefined}
          value={repeat}
          onChange={(e) => onRepeat(e.target.value)}
        />
        {mismatch ? (
          <small id={`${id}-mismatch`} className="field__error" role="alert">
            The two passwords differ.
          </small>
        ) : null}
      </div>
    </>
  );
}
