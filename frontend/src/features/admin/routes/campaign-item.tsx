import { Link, useLocation, useParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useItemDetail } from '../api/get-item-detail';
import { ItemDetailView } from '../components/item-detail-view';

/** One item of the data browser; the way back keeps the filters the list had. */
export function CampaignItemRoute() {
  const { slug = '', itemId = '' } = useParams();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '';
  const detail = useItemDetail(slug, Number(itemId));
  return (
    <main className="page page--wide">
      <Link to={`/admin/campaigns/${slug}/data${from}`} className="back-link">
        ← Items
      </Link>
      <h1>Item {detail.data?.item.external_id ?? `#${itemId}`}</h1>
      {detail.isPending ? <Loading /> : null}
      {detail.error ? <ErrorMessage error={detail.error} /> : null}
      {detail.data ? <ItemDetailView slug={slug} detail={detail.data} /> : null}
    </main>
  );
}
