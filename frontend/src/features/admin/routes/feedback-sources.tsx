import { useNavigate } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';
import { seg } from '@/lib/api-client';

import { useFeedbackSources } from '../api/get-feedback-sources';
import { RequestError } from '../components/request-error';
import { NewSourceForm } from '../feedback/new-source-form';
import { SourcesTable } from '../feedback/sources-table';

/** Live chat products sending their users' feedback: the list, and a form for a new one. */
export function FeedbackSourcesRoute() {
  const sources = useFeedbackSources();
  const navigate = useNavigate();
  return (
    <main className="page page--wide">
      <div className="page__head">
        <h1>Feedback sources</h1>
      </div>
      <p className="muted">
        A chat product sends its users’ conversations and feedback (thumbs, ratings, edits, regenerations…) with an
        ingestion key; personal data is removed before storage, and each signal becomes preference data.
      </p>
      <div className="stack">
        {sources.isPending ? <Loading label="Loading sources…" /> : null}
        {sources.error ? <RequestError error={sources.error} /> : null}
        {sources.data && sources.data.sources.length > 0 ? <SourcesTable sources={sources.data.sources} /> : null}
        {sources.data && sources.data.sources.length === 0 ? <p className="muted">No sources yet.</p> : null}
        <NewSourceForm onCreated={(source) => navigate(`/admin/feedback-sources/${seg(source.slug)}`)} />
      </div>
    </main>
  );
}
