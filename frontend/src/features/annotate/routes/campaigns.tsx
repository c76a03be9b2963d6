import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useAnnotateCampaigns } from '../api/get-annotate-campaigns';
import { CampaignList } from '../components/campaign-list';

export function AnnotateCampaignsRoute() {
  const campaigns = useAnnotateCampaigns();
  return (
    <main className="page">
      <h1>Your campaigns</h1>
      {campaigns.isPending ? <Loading /> : null}
      {campaigns.error ? (
        <ErrorMessage error={campaigns.error}>
          <button type="button" className="button" onClick={() => campaigns.refetch()}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      {campaigns.data ? <CampaignList campaigns={campaigns.data.campaigns} /> : null}
    </main>
  );
}
