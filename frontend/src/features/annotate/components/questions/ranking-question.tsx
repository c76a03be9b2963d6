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
import { useState, type KeyboardEvent } from 'react';

import type { CandidateLabel, RankingQuestion } from '@/lib/api-types';

import { candidatePreview } from '../../questions/common';
import { groupsOf, moveBy, moveEntry, ranksOf, setNoneAcceptable, toggleTie, type RankingDraft } from '../../questions/ranking';

import type { QuestionViewProps } from './types';

/** What a screen reader hears after a move or a tie change. */
function describePlace(draft: RankingDraft, label: CandidateLabel): string {
  const position = draft.order.indexOf(label) + 1;
  const group = groupsOf(draft).find((g) => g.includes(label)) ?? [label];
  const mates = group.filter((l) => l !== label).map((l) => `Response ${l}`);
  const tie = mates.length ? `, tied with ${mates.join(' and ')}` : '';
  return `Response ${label} is now at position ${position} of ${draft.order.length}, rank ${ranksOf(draft)[label]}${tie}.`;
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
  onToggleTie: () => void;
};

function RankItem({ label, index, count, rank, tiedRank, tied, preview, allowTies, disabled, hintId, onMove, onToggleTie }: ItemProps) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: label, disabled });
  // The whole entry drags with a pointer; the keyboard drag (Space/Enter) lives on the handle so that
  // Enter on the entry itself stays "submit" and Alt+arrows stay "move".
  const { onKeyDown: dragKeyDown, ...pointerListeners } = listeners ?? {};

  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.target !== event.currentTarget || disabled) return;
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      onMove(event.key === 'ArrowUp' ? -1 : 1);
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

  const apply = (next: RankingDraft, label: CandidateLabel) => {
    onChange(next);
    setAnnouncement(describePlace(next, label));
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

  return (
    <>
      <p id={hintId} className="question__sub muted">
        Best first. Drag an entry, or focus it and press Alt+↑ / Alt+↓{question.allow_ties ? '; T ties it with the one above' : ''}.
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
                onToggleTie={() => apply(toggleTie(draft, label), label)}
              />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
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
    </>
  );
}
