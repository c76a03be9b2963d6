import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { useParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';
import { isApiError } from '@/lib/api-client';

import { useCompletion } from '../../api/get-completion';
import { participationQueryKey, useParticipation } from '../../api/get-participation';
import { TaskPage } from '../task-page';

const Onboarding = lazy(() => import('./screens').then((m) => ({ default: m.Onboarding })));
const CompletionScreen = lazy(() => import('./screens').then((m) => ({ default: m.CompletionScreen })));

/**
 * In front of a campaign's task screen: consent and the survey until they are given, the
 * completion code once a crowd target is reached, otherwise the tasks. Asking first spares
 * leasing a task the annotator may not start yet.
 */
export function ParticipationGate({ children }: { children: ReactNode }) {
  const { slug = '' } = useParams();
  const participation = useParticipation(slug);
  const completion = useCompletion(slug);

  if (participation.isPending || completion.isPending) return <Loading />;
  // If these cannot be loaded, the task screen's own request shows what is wrong.
  let screen: ReactNode = null;
  if (participation.data && !participation.data.ready) screen = <Onboarding slug={slug} />;
  else if (completion.data?.completed) screen = <CompletionScreen completion={completion.data} />;
  if (!screen) return <>{children}</>;
  return (
    <TaskPage notice={null}>
      <Suspense fallback={<Loading />}>{screen}</Suspense>
    </TaskPage>
  );
}

/**
 * `next` said 409 `onboarding_required` (the gate's answer was out of date): ask again, and the
 * gate shows the consent form or survey.
 */
export function useRecheckOnboarding(slug: string, error: unknown) {
  const queryClient = useQueryClient();
  const needed = isApiError(error, 'onboarding_required');
  useEffect(() => {
    if (needed) void queryClient.invalidateQueries({ queryKey: participationQueryKey(slug) });
  }, [needed, error, queryClient, slug]);
}
