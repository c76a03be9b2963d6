import { useState } from 'react';

import { Modal } from '@/components/ui/modal';
import type { CampaignDetail, CampaignSpec, SpecCheck } from '@/lib/api-types';

import { useCheckSpec } from '../api/check-spec';
import { useUpdateSpec } from '../api/update-spec';
import { parseJsonObject } from '../utils/json';

import { RequestError } from './request-error';
import { AnswerWarningList, SpecChangesTable } from './spec-changes';

const asText = (spec: CampaignSpec) => JSON.stringify(spec, null, 2);

/**
 * The current spec as JSON to edit. "Check" shows what would change and which stored answers the
 * change invalidates, saving nothing; saving checks first and asks before invalidating answers.
 */
export function SpecEditor({ campaign }: { campaign: CampaignDetail }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="card" aria-labelledby="spec-editor-title">
      <h2 id="spec-editor-title">Edit spec</h2>
      <p className="muted">
        Saving makes version {campaign.version + 1}; judgments keep the version they were made under.
      </p>
      {open ? (
        <SpecForm campaign={campaign} onClose={() => setOpen(false)} />
      ) : (
        <button type="button" className="button" onClick={() => setOpen(true)}>
          Edit spec
        </button>
      )}
    </section>
  );
}

function SpecForm({ campaign, onClose }: { campaign: CampaignDetail; onClose: () => void }) {
  const [text, setText] = useState(() => asText(campaign.spec));
  const [parseError, setParseError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<SpecCheck | null>(null);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const check = useCheckSpec();
  const save = useUpdateSpec({
    mutationConfig: {
      onSuccess: (saved) => {
        setText(asText(saved.spec));
        setSavedVersion(saved.version);
        setConfirming(null);
        check.reset();
      },
    },
  });
  const next = campaign.version + 1;

  const parsed = (): CampaignSpec | null => {
    const result = parseJsonObject(text);
    if (!result.ok || result.value === undefined) {
      setParseError(result.ok ? 'The spec is empty.' : result.error);
      return null;
    }
    setParseError(null);
    // The server validates it: a wrong shape is a 422 naming each field.
    return result.value as CampaignSpec;
  };

  const onCheck = () => {
    const spec = parsed();
    if (spec) check.mutate({ slug: campaign.slug, spec });
  };

  const onSave = async () => {
    const spec = parsed();
    if (!spec) return;
    let result: SpecCheck;
    try {
      result = await check.mutateAsync({ slug: campaign.slug, spec });
    } catch {
      return; // shown below, from check.error
    }
    if (!result.valid) return;
    if (blocking(result).length > 0) setConfirming(result);
    else save.mutate({ slug: campaign.slug, spec });
  };

  const confirmSave = () => {
    const spec = parsed();
    if (spec) save.mutate({ slug: campaign.slug, spec });
  };

  return (
    <>
      <div className="field">
        <label htmlFor="spec-json">Spec (JSON)</label>
        <textarea
          id="spec-json"
          className="mono"
          rows={20}
          spellCheck={false}
          value={text}
          aria-invalid={parseError ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setSavedVersion(null);
            check.reset();
            save.reset();
          }}
        />
        {parseError ? <p className="field__error">{parseError}</p> : null}
      </div>
      <div className="form__actions">
        <button type="button" className="button" onClick={onCheck} disabled={check.isPending}>
          {check.isPending ? 'Checking…' : 'Check'}
        </button>
        <button type="button" className="button button--primary" onClick={() => void onSave()} disabled={check.isPending || save.isPending}>
          {save.isPending ? 'Saving…' : `Save as version ${next}`}
        </button>
        <button type="button" className="button button--ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <div aria-live="polite">
        {savedVersion !== null ? (
          <p className="alert alert--success" role="status">
            Saved as version {savedVersion}.
          </p>
        ) : null}
      </div>
      {check.error ? <RequestError error={check.error} /> : null}
      {save.error ? <RequestError error={save.error} /> : null}
      {check.data ? <CheckResult result={check.data} /> : null}
      {confirming ? (
        <Modal
          title={`Save as version ${next}?`}
          onClose={() => setConfirming(null)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirming(null)}>
                Cancel
              </button>
              <button type="button" className="button button--danger" onClick={confirmSave} disabled={save.isPending}>
                Save anyway
              </button>
            </>
          }
        >
          <p>This change no longer fits answers already given. They stay as they were, under version {campaign.version}.</p>
          <AnswerWarningList warnings={blocking(confirming)} label="Answers this change invalidates" />
        </Modal>
      ) : null}
    </>
  );
}

/** Warnings a save must be confirmed over (not infos). */
const blocking = (result: SpecCheck) => result.warnings.filter((w) => w.severity === 'warning');

function CheckResult({ result }: { result: SpecCheck }) {
  const warnings = blocking(result);
  const infos = result.warnings.filter((w) => w.severity === 'info');
  return (
    <div className="stack" aria-label="Check result">
      {result.valid ? null : (
        <div className="alert alert--error" role="alert">
          The spec cannot replace version {result.current_version}:
          <ul className="error-list">
            {result.problems.map((p) => (
              <li key={p.field}>
                <span className="mono">{p.field}</span>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {warnings.length > 0 ? (
        <div className="alert alert--error">
          <strong>
            {warnings.length === 1 ? 'A change invalidates' : `${warnings.length} changes invalidate`} stored answers:
          </strong>
          <AnswerWarningList warnings={warnings} label="Warnings" />
        </div>
      ) : result.valid ? (
        <p className="alert alert--success">No stored answer is invalidated.</p>
      ) : null}
      {infos.length > 0 ? (
        <div className="alert alert--info">
          <AnswerWarningList warnings={infos} label="Notes" />
        </div>
      ) : null}
      <h3>Changes against version {result.current_version}</h3>
      <SpecChangesTable changes={result.changes} label={`Changes against version ${result.current_version}`} />
    </div>
  );
}
