import { useState, type FormEvent } from 'react';

import type { CampaignDetail, NewCampaignInput } from '@/lib/api-types';

import { useCreateCampaign } from '../api/create-campaign';
import { slugify } from '../utils/format';

import { RequestError } from './request-error';

export function NewCampaignForm({ onCreated }: { onCreated: (campaign: CampaignDetail) => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const [guidelines, setGuidelines] = useState('');
  const [redundancy, setRedundancy] = useState('3');
  const [prompt, setPrompt] = useState('Which response is better?');
  const [allowTie, setAllowTie] = useState(true);
  const [allowBothBad, setAllowBothBad] = useState(true);
  const create = useCreateCampaign({ mutationConfig: { onSuccess: onCreated } });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const campaign: NewCampaignInput = {
      name: name.trim(),
      slug: slug.trim(),
      guidelines,
      redundancy: Number.parseInt(redundancy, 10),
      questions: [
        {
          kind: 'pairwise',
          id: 'preference',
          prompt: prompt.trim(),
          allow_tie: allowTie,
          allow_both_bad: allowBothBad,
        },
      ],
      // Drafts are for researchers only: nobody annotates until the campaign page activates it.
      status: 'draft',
    };
    create.mutate(campaign);
  };

  return (
    <form className="form card" onSubmit={onSubmit}>
      {create.error ? <RequestError error={create.error} /> : null}
      <div className="field">
        <label htmlFor="campaign-name">Name</label>
        <input
          id="campaign-name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (!slugTouched) setSlug(slugify(e.target.value));
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="campaign-slug">Slug</label>
        <input
          id="campaign-slug"
          required
          pattern="[a-z0-9]+(-[a-z0-9]+)*"
          maxLength={64}
          aria-describedby="campaign-slug-help"
          className="mono"
          value={slug}
          onChange={(e) => {
            setSlugTouched(true);
            setSlug(e.target.value);
          }}
        />
        <small id="campaign-slug-help">Lowercase letters, digits and dashes; used in URLs and exports.</small>
      </div>
      <div className="field">
        <label htmlFor="campaign-guidelines">Guidelines (Markdown)</label>
        <textarea id="campaign-guidelines" rows={8} value={guidelines} onChange={(e) => setGuidelines(e.target.value)} />
      </div>
      <div className="field field--short">
        <label htmlFor="campaign-redundancy">Judgments per item (K)</label>
        <input
          id="campaign-redundancy"
          type="number"
          min={1}
          max={100}
          required
          value={redundancy}
          onChange={(e) => setRedundancy(e.target.value)}
        />
      </div>
      <fieldset className="fieldset">
        <legend>Pairwise question</legend>
        <div className="field">
          <label htmlFor="campaign-prompt">Prompt</label>
          <input id="campaign-prompt" required value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={allowTie} onChange={(e) => setAllowTie(e.target.checked)} /> Allow “Tie”
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={allowBothBad} onChange={(e) => setAllowBothBad(e.target.checked)} /> Allow
          “Both are bad”
        </label>
      </fieldset>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create campaign'}
        </button>
      </div>
    </form>
  );
}
