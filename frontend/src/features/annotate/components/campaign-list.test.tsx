import { screen } from '@testing-library/react';

import type { AnnotateCampaign } from '@/lib/api-types';
import { renderRoute } from '@/testing/test-utils';

import { CampaignList } from './campaign-list';

const campaign = (slug: string, status: AnnotateCampaign['status'], kind: AnnotateCampaign['kind'] = 'items'): AnnotateCampaign => ({
  slug,
  name: `Campaign ${slug}`,
  kind,
  status,
  my_judgments: 1,
  available: 3,
});

describe('annotator campaign list', () => {
  it('marks a paused campaign as paused and offers no way to start it', () => {
    renderRoute(<CampaignList campaigns={[campaign('open', 'active'), campaign('held', 'paused'), campaign('held-trees', 'paused', 'trees')]} />, {
      path: '/annotate',
      url: '/annotate',
    });
    expect(screen.getByRole('link', { name: 'Start Campaign open' })).toHaveAttribute('href', '/annotate/open');
    expect(screen.queryByRole('link', { name: 'Start Campaign held' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Start Campaign held-trees' })).not.toBeInTheDocument();
    expect(screen.getAllByText('Paused')).toHaveLength(2);
  });
});
