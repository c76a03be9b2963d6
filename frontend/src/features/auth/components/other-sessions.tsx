import { ErrorMessage } from '@/components/ui/error-message';

import { useEndOtherSessions } from '../api/end-other-sessions';

/** Sign out of every other browser and device, keeping this one. */
export function OtherSessions() {
  const end = useEndOtherSessions();
  const ended = end.data?.ended;
  return (
    <section className="card form" aria-labelledby="other-sessions-title">
      <h2 id="other-sessions-title">Other sessions</h2>
      <p>Signed in on a shared or lost device? Sign out everywhere except here.</p>
      {end.error ? <ErrorMessage error={end.error} /> : null}
      {ended !== undefined ? (
        <p className="alert alert--success" role="status">
          {ended === 0
            ? 'There were no other sessions.'
            : `Signed out of ${ended} other session${ended === 1 ? '' : 's'}.`}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button" onClick={() => end.mutate()} disabled={end.isPending}>
          Sign out of other sessions
        </button>
      </div>
    </section>
  );
}
