/** A judgment's answers, one line per question: `preference: {"choice":"A"}`. */
export const describeAnswers = (answers: Record<string, unknown>): string[] =>
  Object.entries(answers).map(([question, answer]) => `${question}: ${JSON.stringify(answer)}`);

/** Which candidate each letter stood for in one judgment (the order is shuffled per annotator): `A = #12, B = #11`. */
export const describeShownOrder = (shownOrder: number[]): string =>
  shownOrder.map((id, index) => `${String.fromCharCode(65 + index)} = #${id}`).join(', ');

export const formatTimeSpent = (ms: number | null | undefined): string => (ms == null ? '—' : `${(ms / 1000).toFixed(1)} s`);
