import type { Scale } from '@/lib/api-types';

import { anchorOf, scalePoints } from '../../questions/rating';

type ScaleRadiosProps = {
  /** Unique per group on the page (radio `name`). */
  name: string;
  legend: string;
  description?: string;
  scale: Scale;
  value: number | null | undefined;
  required: boolean;
  disabled: boolean;
  /** `score-A-helpfulness` → each radio gets `score-A-helpfulness-3`. */
  testIdPrefix: string;
  onChange: (value: number | null) => void;
};

/** An integer scale as native radios (arrow keys pick a value), anchors shown at the ends. */
export function ScaleRadios({ name, legend, description, scale, value, required, disabled, testIdPrefix, onChange }: ScaleRadiosProps) {
  const points = scalePoints(scale);
  const low = anchorOf(scale, scale.min);
  const high = anchorOf(scale, scale.max);
  return (
    <fieldset className="scale" disabled={disabled}>
      <legend className="scale__legend">
        {legend}
        {required ? null : <span className="muted"> (optional)</span>}
      </legend>
      {description ? <p className="scale__description muted">{description}</p> : null}
      <div className="scale__row">
        {low ? (
          <span className="scale__anchor scale__anchor--low" aria-hidden="true">
            {low}
          </span>
        ) : null}
        <div className="scale__points">
          {points.map((point) => {
            const anchor = anchorOf(scale, point);
            return (
              <label key={point} className="scale__point" title={anchor ?? undefined}>
                <input
                  type="radio"
                  name={name}
                  value={point}
                  checked={value === point}
                  aria-label={anchor ? `${point}: ${anchor}` : String(point)}
                  data-testid={`${testIdPrefix}-${point}`}
                  onChange={() => onChange(point)}
                />
                <span aria-hidden="true">{point}</span>
              </label>
            );
          })}
        </div>
        {high ? (
          <span className="scale__anchor scale__anchor--high" aria-hidden="true">
            {high}
          </span>
        ) : null}
        {!required && value !== undefined && value !== null ? (
          <button type="button" className="button button--ghost button--small" onClick={() => onChange(null)}>
            Clear<span className="visually-hidden"> {legend}</span>
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}
