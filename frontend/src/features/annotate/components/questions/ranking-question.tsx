import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

import type { CandidateLabel, RankingQuestion } from '@/lib/api-types';

import { candidatePreview } from '../../questions/common';
import {
  clearRanking,
  groupsOf,
  keepShownOrder,
  moveBy,
  moveEntry,
  placeAt,
  rankNext,
  ranksOf,
  setNoneAcceptable,
  toggleTie,
  unrank,
  type RankingDraft,
} from '../../questions/ranking';

import type { QuestionViewProps } from './types';

const leftWords = (draft: RankingDraft) =>
  draft.unranked.length === 0 ? ' All responses are ranked.' : ` ${draft.unranked.length} left to rank.`;

/** What a screen reader hears after a move or a tie change. */
function describePlace(draft: RankingDraft, label: CandidateLabel): string {
  if (!draft.order.includes(label)) return `Response ${label} is no longer ranked.${leftWords(draft)}`;
  const position = draft.order.indexOf(label) + 1;
  const group = groupsOf(draft).find((g) => g.includes(label)) ?? [label];
  const mates = group.filter((l) => l !== label).map((l) => `Response ${l}`);
  const tie = mates.length ? `, tied with ${mates.join(' and ')}` : '';
  const total = draft.order.length + draft.unranked.length;
  return `Response ${label} is now at position ${position} of ${total}, rank ${ranksOf(draft)[label]}${tie}.${
    draft.unranked.length ? leftWords(draft) : ''
  }`;
}

/** The digit of a plain 1–9 key press (a rank position), or null. */
function positionKey(event: KeyboardEvent): number | null {
  if (event.ctrlKey || event.metaKey || event.altKey || !/^[1-9]$/.test(event.key)) return null;
  return Number(event.key);
}

type ItemProps = {
  label: CandidateLabel;
  index: number;
  count: number;
  rank: number;
  tiedRank: boolean;
  tied: boolean;
  preview: string;
  allowTies: boolean;
  disabled: boolean;
  hintId: string;
  onMove: (delta: number) => void;
  onPlace: (position: number) => void;
  onUnrank: () => void;
  onToggleTie: () => void;
};

function RankItem({
  label,
  index,
  count,
  rank,
  tiedRank,
  tied,
  preview,
  allowTies,
  disabled,
  hintId,
  onMove,
  onPlace,
  onUnrank,
  onToggleTie,
}: ItemProps) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: label, disabled });
  // The whole entry drags with a pointer; the keyboard drag (Space/Enter) lives on the handle so that
  // Enter on the entry itself stays "submit" and Alt+arrows stay "move".
  const { onKeyDown: dragKeyDown, ...pointerListeners } = listeners ?? {};

  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.target !== event.currentTarget || disabled) return;
    const position = positionKey(event);
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      onMove(event.key === 'ArrowUp' ? -1 : 1);
    } else if (position !== null) {
      event.preventDefault();
      onPlace(position - 1);
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      onUnrank();
    } else if (allowTies && index > 0 && !event.ctrlKey && !event.metaKey && !event.altKey && event.key.toLowerCase() === 't') {
      event.preventDefault();
      onToggleTie();
    }
  };

  return (
    <li
      ref={setNodeRef}
      className={`rank-item${isDragging ? ' rank-item--dragging' : ''}${tied ? ' rank-item--tied' : ''}`}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      data-testid={`rank-item-${label}`}
      data-rank={rank}
      tabIndex={0}
      aria-label={`Response ${label}, rank ${rank}${tiedRank ? ' (tied)' : ''}`}
      aria-describedby={hintId}
      onKeyDown={onKeyDown}
      {...pointerListeners}
    >
      <button
        type="button"
        className="rank-item__handle"
        {...attributes}
        aria-label={`Drag Response ${label}`}
        aria-describedby={hintId}
        onKeyDown={dragKeyDown as ((event: KeyboardEvent) => void) | undefined}
        disabled={disabled}
      >
        <span aria-hidden="true">⠿</span>
      </button>
      <span className="rank-item__rank" aria-hidden="true">
        {rank}
        {tiedRank ? '=' : ''}
      </span>
      <span className="rank-item__text">
        <strong>Response {label}</strong> <span className="rank-item__preview">{preview}</span>
      </span>
      <span className="rank-item__actions">
        {allowTies && index > 0 ? (
          <label className="rank-item__tie">
            <input type="checkbox" checked={tied} disabled={disabled} data-testid={`rank-tie-${label}`} onChange={onToggleTie} />
            Tie with above
          </label>
        ) : null}
        <button
          type="button"
          className="button button--small"
          data-testid={`rank-up-${label}`}
          aria-label={`Move Response ${label} up`}
          aria-disabled={disabled || index === 0}
          onClick={() => !disabled && index > 0 && onMove(-1)}
        >
          ↑<span className="rank-item__btn-text"> Move up</span>
        </button>
        <button
          type="button"
          className="button button--small"
          data-testid={`rank-down-${label}`}
          aria-label={`Move Response ${label} down`}
          aria-disabled={disabled || index === count - 1}
          onClick={() => !disabled && index < count - 1 && onMove(1)}
        >
          ↓<span className="rank-item__btn-text"> Move down</span>
        </button>
        <button
          type="button"
          className="button button--small button--ghost"
          data-testid={`rank-remove-${label}`}
          aria-label={`Take Response ${label} out of the ranking`}
          aria-disabled={disabled}
          onClick={() => !disabled && onUnrank()}
        >
          ✕<span className="rank-item__btn-text"> Unrank</span>
        </button>
      </span>
    </li>
  );
}

type PoolItemProps = {
  label: CandidateLabel;
  preview: string;
  /** The position (1-based) "Rank next" puts it at. */
  nextPosition: number;
  disabled: boolean;
  hintId: string;
  onRankNext: () => void;
  onPlace: (position: number) => void;
};

/** A response not ranked yet: Enter/Space (or its button) ranks it next, a digit puts it at that position. */
function PoolItem({ label, preview, nextPosition, disabled, hintId, onRankNext, onPlace }: PoolItemProps) {
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.target !== event.currentTarget || disabled) return;
    const position = positionKey(event);
    if (position !== null) {
      event.preventDefault();
      onPlace(position - 1);
    } else if ((event.key === 'Enter' || event.key === ' ') && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      onRankNext();
    }
  };
  return (
    <li
      className="rank-item rank-item--unranked"
      data-testid={`rank-pool-${label}`}
      tabIndex={0}
      aria-label={`Response ${label}, not ranked yet`}
      aria-describedby={hintId}
      onKeyDown={onKeyDown}
    >
      <span className="rank-item__rank" aria-hidden="true">
        –
      </span>
      <span className="rank-item__text">
        <strong>Response {label}</strong> <span className="rank-item__preview">{preview}</span>
      </span>
      <span className="rank-item__actions">
        <button
          type="button"
          className="button button--small"
          data-testid={`rank-next-${label}`}
          aria-label={`Rank Response ${label} next, at position ${nextPosition}`}
          aria-disabled={disabled}
          onClick={() => !disabled && onRankNext()}
        >
          Rank next
        </button>
      </span>
    </li>
  );
}

export function RankingQuestionView({ question, draft, ctx, disabled, onChange }: QuestionViewProps<RankingQuestion, RankingDraft>) {
  const [announcement, setAnnouncement] = useState('');
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const hintId = `question-${question.id}-rank-hint`;
  const listDisabled = disabled || draft.noneAcceptable;
  const ranks = ranksOf(draft);
  const groups = groupsOf(draft);

  const rootRef = useRef<HTMLDivElement>(null);
  // The entry to focus once a change has re-rendered (an entry moving between the lists remounts).
  const focusNext = useRef<string | null>(null);
  useEffect(() => {
    const testId = focusNext.current;
    focusNext.current = null;
    if (testId) rootRef.current?.querySelector<HTMLElement>(`[data-testid="${testId}"]`)?.focus();
  }, [draft]);

  const apply = (next: RankingDraft, label: CandidateLabel, focus?: string) => {
    focusNext.current = focus ?? null;
    onChange(next);
    setAnnouncement(describePlace(next, label));
  };

  // Placing an unranked response keeps the keyboard in the unranked list while any are left.
  const placeFromPool = (label: CandidateLabel, next: RankingDraft) => {
    const index = draft.unranked.indexOf(label);
    const following = next.unranked[Math.min(index, next.unranked.length - 1)];
    apply(next, label, following ? `rank-pool-${following}` : `rank-item-${label}`);
  };

  const onUnrank = (label: CandidateLabel) => {
    const next = unrank(draft, label, ctx.labels);
    const index = draft.order.indexOf(label);
    const neighbour = next.order[Math.min(index, next.order.length - 1)];
    apply(next, label, neighbour ? `rank-item-${neighbour}` : `rank-pool-${label}`);
  };

  const onKeep = () => {
    const first = draft.unranked[0];
    const next = keepShownOrder(draft);
    focusNext.current = first ? `rank-item-${first}` : null;
    onChange(next);
    setAnnouncement(
      draft.order.length === 0
        ? 'The order shown is kept as your ranking.'
        : 'The responses not ranked yet follow the ranked ones, in the order shown.',
    );
  };

  const onClear = () => {
    focusNext.current = `rank-pool-${ctx.labels[0]}`;
    onChange(clearRanking(draft, ctx.labels));
    setAnnouncement('Ranking cleared: every response is unranked again.');
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const from = draft.order.indexOf(String(active.id));
    const to = draft.order.indexOf(String(over.id));
    apply(moveEntry(draft, from, to), String(active.id));
  };

  // dnd-kit's own live messages, in words rather than ids.
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up Response ${active.id}. Use the arrow keys to move, Space to drop, Escape to cancel.`,
    onDragOver: ({ active, over }) =>
      over ? `Response ${active.id} is over position ${draft.order.indexOf(String(over.id)) + 1}.` : `Response ${active.id} is not over a position.`,
    onDragEnd: ({ active, over }) =>
      over ? `Response ${active.id} dropped at position ${draft.order.indexOf(String(over.id)) + 1}.` : `Response ${active.id} dropped.`,
    onDragCancel: ({ active }) => `Moving Response ${active.id} was cancelled.`,
  };

  const candidatesByLabel = new Map(ctx.candidates.map((c) => [c.label, c]));

  const total = draft.order.length + draft.unranked.length;
  const progressId = `question-${question.id}-rank-progress`;

  return (
    <div ref={rootRef} className="ranking">
      <p id={hintId} className="question__sub muted">
        Best first. On a response, Enter ranks it next and a number key puts it at that position; drag an entry or press Alt+↑ /
        Alt+↓ to move it{question.allow_ties ? ', T to tie it with the one above' : ''}, Delete to unrank it.
      </p>
      <p
        id={progressId}
        className={`ranking__progress${draft.unranked.length && !draft.noneAcceptable ? ' ranking__progress--todo' : ''}`}
        data-testid={`rank-progress-${question.id}`}
      >
        {draft.noneAcceptable
          ? 'None acceptable: no ranking needed.'
          : draft.unranked.length === 0
            ? `All ${total} responses ranked.`
            : draft.order.length === 0
              ? `Nothing ranked yet (0 of ${total}). Place each response, or keep the order shown.`
              : `Ranked ${draft.order.length} of ${total}. Place the rest, or keep the order shown for them.`}
      </p>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{ announcements, screenReaderInstructions: { draggable: 'Press Space to pick up, arrow keys to move, Space to drop.' } }}
      >
        <SortableContext items={draft.order} strategy={verticalListSortingStrategy} disabled={listDisabled}>
          <ol className={`rank-list${listDisabled ? ' rank-list--disabled' : ''}`} aria-label={`${question.prompt} (best first)`}>
            {draft.order.map((label, index) => (
              <RankItem
                key={label}
                label={label}
                index={index}
                count={draft.order.length}
                rank={ranks[label]}
                tiedRank={(groups.find((g) => g.includes(label))?.length ?? 1) > 1}
                tied={Boolean(draft.tied[label]) && index > 0}
                preview={candidatePreview(candidatesByLabel.get(label))}
                allowTies={question.allow_ties}
                disabled={listDisabled}
                hintId={hintId}
                onMove={(delta) => apply(moveBy(draft, label, delta), label)}
                onPlace={(position) => apply(placeAt(draft, label, position), label)}
                onUnrank={() => onUnrank(label)}
                onToggleTie={() => apply(toggleTie(draft, label), label)}
              />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
      {draft.unranked.length > 0 ? (
        <div className={`ranking__pool${listDisabled ? ' rank-list--disabled' : ''}`} data-testid={`rank-unranked-${question.id}`}>
          <h3 className="ranking__pool-title" id={`question-${question.id}-unranked`}>
            Not ranked yet
          </h3>
          <ul className="rank-list" aria-labelledby={`question-${question.id}-unranked`}>
            {draft.unranked.map((label) => (
              <PoolItem
                key={label}
                label={label}
                preview={candidatePreview(candidatesByLabel.get(label))}
                nextPosition={draft.order.length + 1}
                disabled={listDisabled}
                hintId={hintId}
                onRankNext={() => placeFromPool(label, rankNext(draft, label))}
                onPlace={(position) => placeFromPool(label, placeAt(draft, label, position))}
              />
            ))}
          </ul>
        </div>
      ) : null}
      <div className="ranking__actions">
        {draft.unranked.length > 0 ? (
          <button
            type="button"
            className="button button--small"
            data-testid={`rank-keep-${question.id}`}
            aria-describedby={progressId}
            disabled={listDisabled}
            onClick={onKeep}
          >
            {draft.order.length === 0 ? 'Keep this order' : 'Rank the rest in the order shown'}
          </button>
        ) : null}
        {draft.order.length > 0 ? (
          <button
            type="button"
            className="button button--small button--ghost"
            data-testid={`rank-clear-${question.id}`}
            disabled={listDisabled}
            onClick={onClear}
          >
            Start over
          </button>
        ) : null}
      </div>
      {question.allow_none_acceptable ? (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.noneAcceptable}
            disabled={disabled}
            data-testid="none-acceptable"
            onChange={(e) => {
              onChange(setNoneAcceptable(draft, e.target.checked));
              setAnnouncement(e.target.checked ? 'None of the responses is acceptable: no ranking needed.' : 'Ranking the responses again.');
            }}
          />
          None of the responses is acceptable
        </label>
      ) : null}
      <p className="visually-hidden" aria-live="polite" data-testid={`rank-announce-${question.id}`}>
        {announcement}
      </p>
    </div>
  );
}
