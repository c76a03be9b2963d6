import { useEffect, useRef } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import { isApiError, isRetryable } from '@/lib/api-client';
import type { Role } from '@/lib/api-types';

import { useEnterCrowd, type EnterCrowdInput } from '../api/enter-crowd';
import { homePathFor, roleLabel } from '../lib';

type SignedIn = { display_name: string; role: Role };

/** Who the browser is signed in as, from a 409 `session_exists` (null for any other error). */
function signedInAs(error: unknown): SignedIn | null {
  if (!isApiError(error, 'session_exists')) return null;
  const details = error.details as Partial<SignedIn> | null;
  if (typeof details?.display_name !== 'string' || !details.role || !(details.role in roleLabel)) return null;
  return { display_name: details.display_name, role: details.role };
}

const BROKEN_LINK: Record<string, string> = {
  invalid_crowd_link: 'This study link is missing your participant id or it is malformed.',
  crowd_entry_not_found: 'This study link does not lead to an open study.',
};

/**
 * `/c/:slug?PROLIFIC_PID=…&STUDY_ID=…&SESSION_ID=…`: a crowd platform's link. Every query
 * parameter goes to the server, which signs the participant in without a password. A browser
 * signed in as someone else is asked first: keep that session, or switch to the link's.
 */
export default function CrowdEntryRoute() {
  const { slug = '' } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const enter = useEnterCrowd({
    mutationConfig: {
      onSuccess: ({ slug: campaign, kind }) => {
        const path = `/annotate/${encodeURIComponent(campaign)}`;
        navigate(kind === 'trees' ? `${path}/trees` : path, { replace: true });
      },
    },
  });
  const { mutate } = enter;
  const input = useRef<EnterCrowdInput>({
    slug,
    body: { params: Object.fromEntries(search), replace_session: false },
  });
  // Once per visit: a second, simultaneous entry for a new participant would be refused.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    mutate(input.current);
  }, [mutate]);

  if (!enter.error) {
    return (
      <main className="page page--narrow">
        <Loading label="Opening the study…" />
      </main>
    );
  }
  const current = signedInAs(enter.error);
  if (current) {
    const name = current.display_name;
    return (
      <main className="page page--narrow" data-testid="crowd-session-question">
        <h1>You are already signed in</h1>
        <p>
          You are signed in as <strong>{name}</strong> ({roleLabel[current.role]}). This study link would sign you
          in as a study participant instead.
        </p>
        <div className="form__actions">
          <button
            type="button"
            className="button"
            onClick={() => navigate(homePathFor(current), { replace: true })}
          >
            Continue as {name}
          </button>
          <button
            type="button"
            className="button button--primary"
            onClick={() => enter.mutate({ ...input.current, body: { ...input.current.body, replace_session: true } })}
          >
            Switch to this study link
          </button>
        </div>
      </main>
    );
  }
  const broken = isApiError(enter.error) ? BROKEN_LINK[enter.error.code] : undefined;
  return (
    <main className="page page--narrow">
      <h1>This link did not work</h1>
      <ErrorMessage error={enter.error} title={broken}>
        {broken ? null : (
          <button
            type="button"
            className="button button--primary"
            onClick={() => enter.mutate(input.current)}
            disabled={enter.isPending}
          >
            Try again
          </button>
        )}
      </ErrorMessage>
      <p>
        {broken
          ? 'Please go back to the study platform and open the study from there again. If it still fails, message the researcher.'
          : isRetryable(enter.error)
            ? 'The server could not be reached. Check your connection and try again.'
            : 'Please go back to the study platform, or message the researcher.'}
      </p>
    </main>
  );
}
