import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useModels } from '../api/get-models';
import { ModelsTable } from '../components/models-table';
import { NewModelForm } from '../components/new-model-form';
import type { Viewer } from '../utils/viewer';

export function ModelsRoute({ viewer }: { viewer?: Viewer | null }) {
  const models = useModels();
  return (
    <main className="page page--wide">
      <div className="page__head">
        <h1>Models</h1>
      </div>
      <p className="muted">
        Model endpoints that generation jobs sample candidates from: yours, and those shared with you.
      </p>
      <div className="stack">
        {models.isPending ? <Loading label="Loading models…" /> : null}
        {models.error ? <ErrorMessage error={models.error} /> : null}
        {models.data ? <ModelsTable models={models.data.models} viewer={viewer} /> : null}
        <NewModelForm />
      </div>
    </main>
  );
}
