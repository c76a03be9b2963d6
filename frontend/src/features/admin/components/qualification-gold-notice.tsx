import type { CampaignDetail } from '@/lib/api-types';

import { useGoldReport } from '../api/get-gold-report';

/**
 * Before a campaign with a qualification phase may (re)open: says when it holds fewer gold items
 * with expected answers than the phase asks for (activating is refused with not_enough_gold).
 */
export function QualificationGoldNotice({ campaign }: { campaign: CampaignDetail }) {
  const tasks = campaign.spec.quality?.qualification?.tasks;
  const opening = campaign.transitions.includes('active');
  const gold = useGoldReport(campaign.slug, { enabled: Boolean(tasks && opening) });
  if (!tasks || !opening || !gold.data || gold.data.gold_items >= tasks) return null;
  return (
    <p className="alert alert--info" role="status" data-testid="not-enough-gold">
      The qualification phase needs {tasks} gold items with expected answers and this campaign has {gold.data.gold_items}:
      import more (or ask for fewer qualification tasks) before activating it.
    </p>
  );
}
