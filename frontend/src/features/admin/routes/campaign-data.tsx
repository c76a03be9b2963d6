import { Link, useParams, useSearchParams } from 'react-router-dom';

import type { ItemFilters } from '../api/browse-items';
import { ItemsBrowser } from '../components/items-browser';
import { JudgmentsBrowser } from '../components/judgments-browser';
import { filtersFromParams, paramsFromFilters } from '../utils/item-filters';

/** The data browser: a campaign's items (filtered, paged) and its judgments (by annotator). The URL holds the tab and filters. */
export function CampaignDataRoute() {
  const { slug = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'judgments' ? 'judgments' : 'items';
  const annotator = params.get('annotator');
  const showItems = (filters: ItemFilters) => setParams(paramsFromFilters(filters));
  const showJudgments = (by: string | null) => setParams(by ? { tab: 'judgments', annotator: by } : { tab: 'judgments' });
  return (
    <main className="page page--wide">
      <Link to={`/admin/campaigns/${slug}`} className="back-link">
        ← Campaign
      </Link>
      <h1>Data: {slug}</h1>
      <nav className="form__actions" aria-label="Data">
        <button type="button" className="button" aria-pressed={tab === 'items'} onClick={() => showItems({})}>
          Items
        </button>
        <button type="button" className="button" aria-pressed={tab === 'judgments'} onClick={() => showJudgments(null)}>
          Judgments
        </button>
      </nav>
      {tab === 'items' ? (
        <ItemsBrowser slug={slug} filters={filtersFromParams(params)} onFilters={showItems} />
      ) : (
        <JudgmentsBrowser key={annotator ?? ''} slug={slug} annotator={annotator} onAnnotator={showJudgments} />
      )}
    </main>
  );
}
