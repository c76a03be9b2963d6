import type { GenerationProgress as Progress } from '@/lib/api-types';

/** done + failed + cancelled of total, as one bar with a segment per outcome; failures in red. */
export function GenerationProgress({ progress, label }: { progress: Progress; label: string }) {
  const { total, done, failed, cancelled } = progress;
  const processed = done + failed + cancelled;
  const pct = (n: number) => (total > 0 ? Math.min(100, (n / total) * 100) : 0);
  return (
    <div className="gen-progress">
      <div className="progress">
        <div
          className="progress__track gen-progress__track"
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={total}
          aria-valuenow={Math.min(processed, total)}
          aria-valuetext={`${processed} of ${total}${failed > 0 ? `, ${failed} failed` : ''}`}
        >
          <div className="progress__fill" style={{ width: `${pct(done)}%` }} />
          <div className="progress__fill gen-progress__fill--failed" style={{ width: `${pct(failed)}%` }} />
          <div className="progress__fill gen-progress__fill--cancelled" style={{ width: `${pct(cancelled)}%` }} />
        </div>
        <span className="progress__text">
          {processed} / {total}
        </span>
      </div>
      <p className="gen-progress__counts">
        <span>{done} done</span>
        {failed > 0 ? <span className="text-danger">{failed} failed</span> : null}
        {cancelled > 0 ? <span className="muted">{cancelled} cancelled</span> : null}
      </p>
    </div>
  );
}
