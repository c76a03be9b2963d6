import { useState } from 'react';
import { useNavigate } from 'react-router-dom';

import { Modal } from '@/components/ui/modal';
import type { CampaignDetail, CampaignStatus } from '@/lib/api-types';

import { useChangeCampaignStatus } from '../api/change-campaign-status';
import { useDeleteCampaign } from '../api/delete-campaign';

import { QualificationGoldNotice } from './qualification-gold-notice';
import { RequestError } from './request-error';
import { StatusBadge } from './status-badge';

/** What a button moving a campaign from one status to another says. */
export function transitionLabel(from: CampaignStatus, to: CampaignStatus): string {
  if (to === 'active') return { draft: 'Activate', paused: 'Resume' }[from as string] ?? 'Reopen';
  if (to === 'closed') return from === 'archived' ? 'Unarchive' : 'Close';
  return { paused: 'Pause', archived: 'Archive' }[to as string] ?? to;
}

const EXPLAINED: Record<CampaignStatus, string> = {
  draft: 'Only researchers see it; annotators cannot until it is activated.',
  active: 'Annotators see it and get tasks.',
  paused: 'Annotators see it as paused and get no new tasks; tasks they hold can still be submitted.',
  closed: 'Read-only: no new tasks, no spec edits or imports. Exports still work.',
  archived: 'Hidden from the campaign list unless archived campaigns are shown.',
};

/** The campaign's status, a button per status it may move to, and Delete when it may be deleted. */
export function CampaignLifecycle({ campaign }: { campaign: CampaignDetail }) {
  const change = useChangeCampaignStatus();
  const [deleting, setDeleting] = useState(false);
  return (
    <section className="card stack" aria-label="Campaign status">
      <p>
        Status: <StatusBadge status={campaign.status} /> <span className="muted">{EXPLAINED[campaign.status]}</span>
      </p>
      <QualificationGoldNotice campaign={campaign} />
      {change.error ? <RequestError error={change.error} /> : null}
      <div className="form__actions">
        {campaign.transitions.map((to) => (
          <button
            key={to}
            type="button"
            className="button"
            disabled={change.isPending}
            onClick={() => change.mutate({ slug: campaign.slug, status: to })}
          >
            {transitionLabel(campaign.status, to)}
          </button>
        ))}
        {campaign.deletable ? (
          <button type="button" className="button button--danger" onClick={() => setDeleting(true)}>
            Delete…
          </button>
        ) : null}
      </div>
      {deleting ? <DeleteCampaignDialog campaign={campaign} onCancel={() => setDeleting(false)} /> : null}
    </section>
  );
}

function DeleteCampaignDialog({ campaign, onCancel }: { campaign: CampaignDetail; onCancel: () => void }) {
  const navigate = useNavigate();
  const [typed, setTyped] = useState('');
  const remove = useDeleteCampaign({ mutationConfig: { onSuccess: () => navigate('/admin') } });
  const { items, judgments, trees, exports } = campaign.contents;
  return (
    <Modal title={`Delete ${campaign.name}?`} onClose={onCancel}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          remove.mutate({ slug: campaign.slug, judgments });
        }}
      >
        {remove.error ? <RequestError error={remove.error} /> : null}
        <p>
          This deletes the campaign with its {items} item(s), {judgments} judgment(s), {trees} tree(s) and {exports} export(s).
          It cannot be undone.
        </p>
        <div className="field">
          <label htmlFor="delete-campaign-slug">
            Type <span className="mono">{campaign.slug}</span> to confirm
          </label>
          <input id="delete-campaign-slug" className="mono" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--danger" disabled={typed !== campaign.slug || remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete campaign'}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
