import { useQuery } from '@tanstack/react-query';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { ItemDetail } from '@/lib/api-types';

import { getCampaignQueryOptions } from '../../api/get-campaign';
import { useItemGold } from '../../api/get-item-gold';
import { isGoldQuestion } from './gold-draft';
import { GoldForm } from './gold-form';

/** The item's gold answer in the data browser: the campaign's checkable questions, filled in. */
export function GoldSection({ slug, detail }: { slug: string; detail: ItemDetail }) {
  const campaign = useQuery(getCampaignQueryOptions(slug));
  const gold = useItemGold(slug, detail.item.id);
  const questions = campaign.data?.spec.questions.filter(isGoldQuestion) ?? [];
  return (
    <section className="card stack" aria-labelledby="item-gold-title">
      <h2 id="item-gold-title">Gold answer</h2>
      {campaign.isPending || gold.isPending ? <Loading /> : null}
      {campaign.error ? <ErrorMessage error={campaign.error} /> : null}
      {gold.error ? <ErrorMessage error={gold.error} /> : null}
      {campaign.data && gold.data ? (
        questions.length === 0 ? (
          <p className="muted">None of this campaign's questions can be checked against an expected answer (text and label questions cannot).</p>
        ) : (
          <GoldForm slug={slug} itemId={detail.item.id} questions={questions} candidates={detail.candidates} gold={gold.data} />
        )
      ) : null}
    </section>
  );
}
